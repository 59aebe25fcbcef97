package toptarget

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// Config describes the request population; the zero value of every optional
// field means its default.
type Config struct {
	// URL is the gateway's base, e.g. http://127.0.0.1:8800; /router/rest and
	// /router/batch are appended.
	URL string
	// Spread lists further gateways of the same system (bases like URL):
	// hit n goes to the (n mod (1+len(Spread)))th of URL and these, so every
	// gateway node takes an equal share.
	Spread []string
	// Apps are the calling applications, most popular first (Zipf rank 0).
	Apps []App
	// Bulk appends the apps `toplab meta seed` creates (meta.BulkTenants).
	Bulk Bulk
	// Zipf skews app popularity; default s=1.1, v=1.
	Zipf Zipf
	// Mix is the API mix; default DefaultMix (without the APIs that need a
	// tid when Tids is empty).
	Mix []API
	// Tids maps a seller nick to order tids of that seller, for APIs with
	// API.Tid (taobao.trade.fullinfo.get of another seller's order fails).
	Tids map[string][]int64
	// BatchFraction in [0, 1] of requests go to /router/batch, BatchSize
	// calls each (default 20, what public SDKs merge).
	BatchFraction float64
	BatchSize     int
	// BadFraction in [0, 1] of requests carry one deliberate defect, its kind
	// drawn from BadKinds (weights; default every kind alike).
	BadFraction float64
	BadKinds    map[BadKind]float64
	// SignMethods weighs the sign methods (default md5 only); Formats the
	// response formats (default json only).
	SignMethods map[top.SignMethod]float64
	Formats     map[top.Format]float64
	// Seed makes the sequence of requests deterministic: hit n of two
	// targeters with the same seed and config is the same call, timestamp
	// aside. Zero is a valid seed.
	Seed uint64
	// Clock stamps the timestamp parameter (default the wall clock).
	Clock clock.Clock
}

// App is one calling application and the sessions its users authorised.
type App struct {
	AppKey, Secret string
	Sessions       []Session
}

// Session is a user authorisation; Seller is the nick it acts for (needed
// only for APIs that take a tid from Config.Tids).
type Session struct {
	Key, Seller string
}

// Bulk generates Apps load-app-000001 ... with SessionsPerApp sessions each,
// named as meta.BulkTenants (and so `toplab meta seed -apps N -sessions M`)
// names them; session j of every app acts for seller_000j.
type Bulk struct {
	Apps, SessionsPerApp int
}

// Zipf weighs the app of rank k (0-based) by (V+k)^-S. S near 0 is uniform;
// S=1 is classic Zipf. Zero values mean S=1.1, V=1.
type Zipf struct {
	S, V float64
}

// API is one entry of the mix.
type API struct {
	Method string
	// Weight is relative to the other entries' (must be positive).
	Weight float64
	// Params are fixed API parameters (fields, page_size ...).
	Params map[string]string
	// Pick draws each named parameter per call from its list (num_iid ...).
	Pick map[string][]string
	// Tid adds tid=<an order of the session's seller> from Config.Tids.
	Tid bool
	// NoSession sends no session (public APIs such as taobao.item.get).
	NoSession bool
}

// Defaults.
const (
	DefaultBatchSize = 20
	DefaultZipfS     = 1.1
	DefaultZipfV     = 1.0
)

// reservedParams are the system parameters the targeter sets itself.
var reservedParams = map[string]bool{
	"method": true, "session": true, "app_key": true, "timestamp": true, "v": true,
	"sign": true, "sign_method": true, "format": true, "simplify": true,
}

func (c Config) withDefaults() (Config, error) {
	var err error
	if c.URL, err = baseURL(c.URL); err != nil {
		return c, err
	}
	c.Spread = append([]string(nil), c.Spread...)
	for i := range c.Spread {
		if c.Spread[i], err = baseURL(c.Spread[i]); err != nil {
			return c, err
		}
	}
	c.Apps = append([]App(nil), c.Apps...)
	if c.Bulk.Apps < 0 || c.Bulk.SessionsPerApp < 0 {
		return c, errors.New("toptarget: bulk counts must not be negative")
	}
	if c.Bulk.Apps > 0 {
		c.Apps = append(c.Apps, bulkApps(c.Bulk)...)
	}
	if len(c.Apps) == 0 {
		return c, errors.New("toptarget: no apps")
	}
	if c.Zipf.S < 0 || c.Zipf.V < 0 || math.IsNaN(c.Zipf.S) || math.IsNaN(c.Zipf.V) || math.IsInf(c.Zipf.S, 0) || math.IsInf(c.Zipf.V, 0) {
		return c, errors.New("toptarget: zipf s and v must be finite and not negative")
	}
	if c.Zipf.S == 0 {
		c.Zipf.S = DefaultZipfS
	}
	if c.Zipf.V == 0 {
		c.Zipf.V = DefaultZipfV
	}
	c.Clock = clock.Or(c.Clock)
	if c.Mix == nil {
		c.Mix = DefaultMix(c.Clock.Now())
		if len(c.Tids) == 0 {
			c.Mix = withoutTids(c.Mix)
		}
	}
	if !fraction(c.BatchFraction) || !fraction(c.BadFraction) {
		return c, errors.New("toptarget: batch and bad fractions must be in [0, 1]")
	}
	switch {
	case c.BatchSize < 0:
		return c, errors.New("toptarget: batch size must not be negative")
	case c.BatchSize == 0:
		c.BatchSize = DefaultBatchSize
	}
	if c.BadKinds == nil {
		c.BadKinds = map[BadKind]float64{}
		for _, k := range BadKindList() {
			c.BadKinds[k] = 1
		}
	}
	if c.SignMethods == nil {
		c.SignMethods = map[top.SignMethod]float64{top.SignMD5: 1}
	}
	if c.Formats == nil {
		c.Formats = map[top.Format]float64{top.FormatJSON: 1}
	}
	return c, c.check()
}

// check validates what withDefaults does not fill.
func (c Config) check() error {
	for i, a := range c.Apps {
		if a.AppKey == "" || a.Secret == "" {
			return fmt.Errorf("toptarget: app %d: app key and secret are required", i)
		}
		for _, s := range a.Sessions {
			if s.Key == "" {
				return fmt.Errorf("toptarget: app %s: empty session key", a.AppKey)
			}
		}
	}
	if len(c.Mix) == 0 {
		return errors.New("toptarget: empty api mix")
	}
	for _, api := range c.Mix {
		if err := c.checkAPI(api); err != nil {
			return fmt.Errorf("toptarget: api %q: %w", api.Method, err)
		}
	}
	for k := range c.BadKinds {
		if k.Code() == 0 {
			return fmt.Errorf("toptarget: unknown bad kind %d", k)
		}
	}
	for m := range c.SignMethods {
		if _, ok := top.ParseSignMethod(m.String()); !ok {
			return fmt.Errorf("toptarget: unknown sign method %d", m)
		}
	}
	for f := range c.Formats {
		if f != top.FormatJSON && f != top.FormatXML {
			return fmt.Errorf("toptarget: unknown format %d", f)
		}
	}
	return nil
}

func (c Config) checkAPI(api API) error {
	if api.Method == "" {
		return errors.New("no method")
	}
	if !(api.Weight > 0) || math.IsInf(api.Weight, 0) {
		return errors.New("weight must be positive")
	}
	for name := range api.Params {
		if reservedParams[name] {
			return fmt.Errorf("parameter %s is set by the targeter", name)
		}
	}
	for name, values := range api.Pick {
		if reservedParams[name] || len(values) == 0 {
			return fmt.Errorf("pick %s: a non-system parameter with at least one value", name)
		}
	}
	for _, a := range c.Apps {
		if !api.NoSession && len(a.Sessions) == 0 {
			return fmt.Errorf("needs a session and app %s has none", a.AppKey)
		}
		if !api.Tid {
			continue
		}
		for _, s := range a.Sessions {
			if len(c.Tids[s.Seller]) == 0 {
				return fmt.Errorf("takes a tid and seller %q (session %s) has none in Tids", s.Seller, s.Key)
			}
		}
	}
	return nil
}

func fraction(f float64) bool { return f >= 0 && f <= 1 }

// bulkApps names apps and sessions exactly as meta.BulkTenants does.
func bulkApps(b Bulk) []App {
	apps, sessions := meta.BulkTenants(b.Apps, b.SessionsPerApp, time.Time{})
	out := make([]App, len(apps))
	for i, a := range apps {
		out[i] = App{AppKey: a.Key, Secret: a.Secret}
		for _, s := range sessions[i*b.SessionsPerApp : (i+1)*b.SessionsPerApp] {
			out[i].Sessions = append(out[i].Sessions, Session{Key: s.Key, Seller: s.UserNick})
		}
	}
	return out
}

// baseURL checks a gateway's base URL and trims its trailing slashes.
func baseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || u.RawQuery != "" {
		return "", fmt.Errorf("toptarget: gateway url %q is not an absolute http(s) base url", s)
	}
	return strings.TrimRight(s, "/"), nil
}
