// Package meta is the platform's metadata: apps, APIs, permission packages,
// sessions, flow rules, message topics, topic permits, producer rights and
// the seller-to-worker mapping of the data sync. Objects are stored as JSON
// records keyed by (kind, id) in SQLite or MySQL; each write bumps a version
// and is announced on the coordination layer so caches invalidate.
package meta

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind names a type of metadata object.
type Kind string

const (
	KindApp          Kind = "app"
	KindAPI          Kind = "api"
	KindPackage      Kind = "package"
	KindSession      Kind = "session"
	KindFlowRule     Kind = "flowrule"
	KindTopic        Kind = "topic"
	KindTopicPermit  Kind = "permit"
	KindProducer     Kind = "producer"
	KindSellerWorker Kind = "sellerworker"
)

// Kinds lists every kind.
var Kinds = []Kind{KindApp, KindAPI, KindPackage, KindSession, KindFlowRule, KindTopic, KindTopicPermit, KindProducer, KindSellerWorker, KindSubscription, KindCursor}

// Object is a metadata object.
type Object interface {
	Kind() Kind
	ID() string
	Validate() error
}

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("meta: not found")

// AppStatus is whether an app may call.
type AppStatus string

const (
	AppActive   AppStatus = "active"
	AppDisabled AppStatus = "disabled"
)

// App is an ISV application.
type App struct {
	Key      string    `json:"key"`
	Secret   string    `json:"secret"`
	Name     string    `json:"name,omitempty"`
	Status   AppStatus `json:"status"`
	Packages []string  `json:"packages,omitempty"` // permission packages granted
	// IPWhitelist holds addresses or prefixes (CIDR); empty allows any.
	IPWhitelist  []string `json:"ip_whitelist,omitempty"`
	TrafficGroup string   `json:"traffic_group,omitempty"` // flow-control group, "" = default
}

// API is a callable method.
type API struct {
	Name         string        `json:"name"`    // e.g. taobao.trade.fullinfo.get
	Backend      string        `json:"backend"` // backend route name
	Timeout      time.Duration `json:"timeout,omitempty"`
	NeedsSession bool          `json:"needs_session,omitempty"`
	// Fields maps each returnable field to the level an app needs to see it;
	// DefaultFields are returned when a call names none.
	Fields        map[string]int `json:"fields,omitempty"`
	DefaultFields []string       `json:"default_fields,omitempty"`
	Disabled      bool           `json:"disabled,omitempty"`
}

// Package is a permission package: the APIs it grants, each with the
// highest field level an app holding it may see.
type Package struct {
	Name string         `json:"name"`
	APIs map[string]int `json:"apis"`
}

// Session is a user's authorisation of an app.
type Session struct {
	Key      string    `json:"key"`
	AppKey   string    `json:"app_key"`
	UserID   int64     `json:"user_id"`
	UserNick string    `json:"user_nick"`
	Expires  time.Time `json:"expires"`
}

// Scope is what a flow rule counts.
type Scope string

const (
	ScopeAPI    Scope = "api"     // one API, all apps
	ScopeApp    Scope = "app"     // one app, all APIs
	ScopeAppAPI Scope = "app_api" // one app on one API
)

// Window is a flow rule's counting window.
type Window string

const (
	WindowSecond Window = "second"
	WindowMinute Window = "minute"
	WindowDay    Window = "day"
)

// FlowRule limits calls in a window. Groups, on an API rule, split its
// capacity across traffic groups.
type FlowRule struct {
	Name   string         `json:"name"`
	Scope  Scope          `json:"scope"`
	App    string         `json:"app,omitempty"`
	API    string         `json:"api,omitempty"`
	Window Window         `json:"window"`
	Limit  int64          `json:"limit"`
	Groups []TrafficGroup `json:"groups,omitempty"`
}

// TrafficGroup is one group's share of an API's capacity; a higher Priority
// keeps its reserved share.
type TrafficGroup struct {
	Name     string  `json:"name"`
	Ratio    float64 `json:"ratio"`
	Priority int     `json:"priority"`
}

// Topic is a message topic with the field levels of its content.
type Topic struct {
	Name   string         `json:"name"`
	Fields map[string]int `json:"fields,omitempty"`
}

// TopicPermit is a seller's authorisation for an app to receive the listed topics.
type TopicPermit struct {
	AppKey string   `json:"app_key"`
	Seller string   `json:"seller"`
	Topics []string `json:"topics"`
}

// Producer is an app's right to publish topics.
type Producer struct {
	AppKey string   `json:"app_key"`
	Topics []string `json:"topics"`
}

// SellerWorker maps a seller to a logical sync cluster (hot sellers get
// dedicated workers and database pools).
type SellerWorker struct {
	Seller  string `json:"seller"`
	Cluster string `json:"cluster"`
}

func (App) Kind() Kind          { return KindApp }
func (API) Kind() Kind          { return KindAPI }
func (Package) Kind() Kind      { return KindPackage }
func (Session) Kind() Kind      { return KindSession }
func (FlowRule) Kind() Kind     { return KindFlowRule }
func (Topic) Kind() Kind        { return KindTopic }
func (TopicPermit) Kind() Kind  { return KindTopicPermit }
func (Producer) Kind() Kind     { return KindProducer }
func (SellerWorker) Kind() Kind { return KindSellerWorker }

func (a App) ID() string          { return a.Key }
func (a API) ID() string          { return a.Name }
func (p Package) ID() string      { return p.Name }
func (s Session) ID() string      { return s.Key }
func (r FlowRule) ID() string     { return r.Name }
func (t Topic) ID() string        { return t.Name }
func (p TopicPermit) ID() string  { return PermitID(p.AppKey, p.Seller) }
func (p Producer) ID() string     { return p.AppKey }
func (s SellerWorker) ID() string { return s.Seller }

// PermitID is the id of the permit of seller for app.
func PermitID(appKey, seller string) string { return appKey + "/" + seller }

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,128}$`)
	methodPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
)

func checkID(field, v string) error {
	if !idPattern.MatchString(v) {
		return fmt.Errorf("%s %q must be 1-128 characters of letters, digits and _.:@-", field, v)
	}
	return nil
}

// checkNick accepts user and seller nicks: 1-64 bytes of valid UTF-8 without
// spaces, control characters or '/', which separates permit ids.
func checkNick(field, v string) error {
	if v == "" || len(v) > 64 || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return fmt.Errorf("%s %q must be 1-64 bytes of UTF-8 without spaces, control characters or /", field, v)
	}
	return nil
}

func checkMethod(field, v string) error {
	if len(v) > 128 || !methodPattern.MatchString(v) {
		return fmt.Errorf("%s %q is not a dotted lower-case method name", field, v)
	}
	return nil
}

func (a App) Validate() error {
	if err := checkID("app key", a.Key); err != nil {
		return err
	}
	if len(a.Secret) < 8 || len(a.Secret) > 128 {
		return errors.New("app secret must be 8-128 bytes")
	}
	if a.Status != AppActive && a.Status != AppDisabled {
		return fmt.Errorf("app status %q must be active or disabled", a.Status)
	}
	for _, p := range a.Packages {
		if err := checkID("package", p); err != nil {
			return err
		}
	}
	for _, ip := range a.IPWhitelist {
		if _, err := ParseAllowed(ip); err != nil {
			return err
		}
	}
	return nil
}

// ParseAllowed reads an IP whitelist entry: an address or a prefix.
func ParseAllowed(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("ip whitelist entry %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("ip whitelist entry %q: %w", s, err)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (a API) Validate() error {
	if err := checkMethod("api name", a.Name); err != nil {
		return err
	}
	if err := checkID("backend", a.Backend); err != nil {
		return err
	}
	if a.Timeout < 0 || a.Timeout > time.Minute {
		return fmt.Errorf("api timeout %s out of range 0..1m", a.Timeout)
	}
	for f, lvl := range a.Fields {
		if err := checkID("field", f); err != nil || lvl < 0 {
			return fmt.Errorf("api field %q level %d: bad name or level", f, lvl)
		}
	}
	for _, f := range a.DefaultFields {
		if _, ok := a.Fields[f]; !ok {
			return fmt.Errorf("default field %q is not among the api's fields", f)
		}
	}
	return nil
}

func (p Package) Validate() error {
	if err := checkID("package name", p.Name); err != nil {
		return err
	}
	for api, lvl := range p.APIs {
		if err := checkMethod("package api", api); err != nil {
			return err
		}
		if lvl < 0 {
			return fmt.Errorf("package api %s: negative field level", api)
		}
	}
	return nil
}

func (s Session) Validate() error {
	if err := checkID("session key", s.Key); err != nil {
		return err
	}
	if err := checkID("session app key", s.AppKey); err != nil {
		return err
	}
	if s.UserID <= 0 {
		return errors.New("session needs a positive user id")
	}
	if err := checkNick("session user nick", s.UserNick); err != nil {
		return err
	}
	if s.Expires.IsZero() {
		return errors.New("session needs an expiry")
	}
	return nil
}

func (r FlowRule) Validate() error {
	if err := checkID("flow rule name", r.Name); err != nil {
		return err
	}
	switch r.Scope {
	case ScopeAPI:
		if r.API == "" || r.App != "" {
			return errors.New("an api-scoped rule names an api and no app")
		}
	case ScopeApp:
		if r.App == "" || r.API != "" {
			return errors.New("an app-scoped rule names an app and no api")
		}
	case ScopeAppAPI:
		if r.App == "" || r.API == "" {
			return errors.New("an app_api rule names both an app and an api")
		}
	default:
		return fmt.Errorf("flow rule scope %q must be api, app or app_api", r.Scope)
	}
	// The windows each scope is limited by, as the platform's flow control has them.
	windows := map[Scope][]Window{ScopeAPI: {WindowSecond, WindowMinute}, ScopeApp: {WindowDay}, ScopeAppAPI: {WindowSecond, WindowDay}}
	if !slices.Contains(windows[r.Scope], r.Window) {
		return fmt.Errorf("flow rule window %q: a %s rule counts per %v", r.Window, r.Scope, windows[r.Scope])
	}
	if r.Limit < 0 {
		return errors.New("flow rule limit must not be negative")
	}
	if len(r.Groups) > 0 {
		if r.Scope != ScopeAPI {
			return errors.New("traffic groups split an api-scoped rule only")
		}
		sum := 0.0
		for _, g := range r.Groups {
			if err := checkID("traffic group", g.Name); err != nil {
				return err
			}
			if g.Ratio <= 0 {
				return fmt.Errorf("traffic group %s needs a positive ratio", g.Name)
			}
			sum += g.Ratio
		}
		if sum < 0.999 || sum > 1.001 {
			return fmt.Errorf("traffic group ratios sum to %.3f, want 1", sum)
		}
	}
	return nil
}

func (t Topic) Validate() error { return checkID("topic", t.Name) }

func (p TopicPermit) Validate() error {
	if err := checkID("permit app key", p.AppKey); err != nil {
		return err
	}
	if err := checkNick("permit seller", p.Seller); err != nil {
		return err
	}
	for _, t := range p.Topics {
		if err := checkID("permit topic", t); err != nil {
			return err
		}
	}
	return nil
}

func (p Producer) Validate() error {
	if err := checkID("producer app key", p.AppKey); err != nil {
		return err
	}
	for _, t := range p.Topics {
		if err := checkID("producer topic", t); err != nil {
			return err
		}
	}
	return nil
}

func (s SellerWorker) Validate() error {
	if err := checkNick("seller", s.Seller); err != nil {
		return err
	}
	return checkID("cluster", s.Cluster)
}
