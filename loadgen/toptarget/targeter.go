package toptarget

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/top"
)

// Targeter builds signed TOP requests for vegeta. It is safe for concurrent
// use: everything but the per-hit parameters and signature is prepared by New.
type Targeter struct {
	seed          uint64
	batchFraction float64
	badFraction   float64
	batchSize     int
	clock         clock.Clock

	bases []endpoints // one per gateway; hit n goes to bases[n mod len]

	apps    []app
	appCDF  cdf
	mix     []api
	mixCDF  cdf
	bads    []BadKind
	badCDF  cdf
	signs   []top.SignMethod
	signCDF cdf
	formats []string
	fmtCDF  cdf

	hits  atomic.Uint64 // targets built: the hit number of the next one
	calls atomic.Uint64 // API calls in them (a batch holds several)
	stamp atomic.Pointer[stamp]
	parts tally // outcomes per call, filled by the classifier
}

type app struct {
	key, secret string
	sessions    []session
}

type session struct {
	key  string
	tids []string // the seller's orders, formatted
}

// api is a mix entry with its fixed parameters sorted.
type api struct {
	method    string
	fixed     []top.Param
	picks     []pick
	tid       bool
	noSession bool
}

type pick struct {
	name   string
	values []string
}

// Request headers, shared read-only (vegeta copies them into each request).
var (
	formHeader  = http.Header{"Content-Type": {"application/x-www-form-urlencoded;charset=utf-8"}}
	batchHeader = http.Header{"Content-Type": {"text/plain;charset=utf-8"}}
)

// New checks cfg and prepares the targeter.
func New(cfg Config) (*Targeter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Targeter{
		seed: cfg.Seed, batchFraction: cfg.BatchFraction, badFraction: cfg.BadFraction,
		batchSize: cfg.BatchSize, clock: cfg.Clock,
	}
	for _, base := range append([]string{cfg.URL}, cfg.Spread...) {
		e := endpoints{rest: base + gateway.PathRest, batch: base + gateway.PathBatch}
		for k := BadSign; k < badKinds; k++ {
			e.badRest[k] = e.rest + expectation{calls: 1, item: -1, code: k.Code()}.fragment()
		}
		t.bases = append(t.bases, e)
	}
	t.apps = make([]app, len(cfg.Apps))
	for i, a := range cfg.Apps {
		t.apps[i] = app{key: a.AppKey, secret: a.Secret}
		for _, s := range a.Sessions {
			tids := make([]string, len(cfg.Tids[s.Seller]))
			for j, tid := range cfg.Tids[s.Seller] {
				tids[j] = strconv.FormatInt(tid, 10)
			}
			t.apps[i].sessions = append(t.apps[i].sessions, session{key: s.Key, tids: tids})
		}
	}
	if t.appCDF, err = newCDF(zipfWeights(len(t.apps), cfg.Zipf)); err != nil {
		return nil, fmt.Errorf("toptarget: zipf: %w", err)
	}
	weights := make([]float64, len(cfg.Mix))
	for i, a := range cfg.Mix {
		weights[i] = a.Weight
		t.mix = append(t.mix, prepareAPI(a))
	}
	if t.mixCDF, err = newCDF(weights); err != nil {
		return nil, fmt.Errorf("toptarget: mix: %w", err)
	}
	if t.bads, t.badCDF, err = weighted(cfg.BadKinds); err != nil {
		return nil, fmt.Errorf("toptarget: bad kinds: %w", err)
	}
	if t.signs, t.signCDF, err = weighted(cfg.SignMethods); err != nil {
		return nil, fmt.Errorf("toptarget: sign methods: %w", err)
	}
	formats, fmtCDF, err := weighted(cfg.Formats)
	if err != nil {
		return nil, fmt.Errorf("toptarget: formats: %w", err)
	}
	for _, f := range formats {
		t.formats = append(t.formats, f.String())
	}
	t.fmtCDF = fmtCDF
	return t, nil
}

func prepareAPI(a API) api {
	out := api{method: a.Method, tid: a.Tid, noSession: a.NoSession}
	var p top.Params
	for name, v := range a.Params {
		p.Set(name, v)
	}
	out.fixed = slices.Clone(p.List())
	for _, name := range slices.Sorted(maps.Keys(a.Pick)) {
		out.picks = append(out.picks, pick{name: name, values: slices.Clone(a.Pick[name])})
	}
	return out
}

// weighted orders a weight map by key, so draws do not depend on map order.
func weighted[K cmp.Ordered](m map[K]float64) ([]K, cdf, error) {
	keys := slices.Sorted(maps.Keys(m))
	w := make([]float64, len(keys))
	for i, k := range keys {
		w[i] = m[k]
	}
	c, err := newCDF(w)
	return keys, c, err
}

// Targeter returns the vegeta targeter. Hit n (counting calls to it) is
// drawn from (Seed, n) alone.
func (t *Targeter) Targeter() vegeta.Targeter { return t.next }

// Issued returns the number of targets built: the hits sent, counted at the
// source (see the accounting package).
func (t *Targeter) Issued() uint64 { return t.hits.Load() }

// paramPool recycles parameter lists between hits.
var paramPool = sync.Pool{New: func() any { return new(top.Params) }}

func (t *Targeter) next(tgt *vegeta.Target) error {
	if tgt == nil {
		return vegeta.ErrNilTarget
	}
	n := t.hits.Add(1) - 1
	d := newDraw(t.seed, n)
	h := hit{base: &t.bases[n%uint64(len(t.bases))]}
	batch := d.chance(t.batchFraction)
	var bad BadKind
	if d.chance(t.badFraction) {
		bad = t.bads[t.badCDF.pick(d.float())]
	}
	h.app = &t.apps[t.appCDF.pick(d.float())]
	h.sign = t.signs[t.signCDF.pick(d.float())]
	h.format = t.formats[t.fmtCDF.pick(d.float())]
	h.bad = bad
	st := t.timestamp()
	h.timestamp = st.text
	if bad == BadTimestamp {
		h.timestamp = st.stale
	}
	if batch {
		t.calls.Add(uint64(t.batchSize))
		t.buildBatch(tgt, &d, &h)
		return nil
	}
	t.calls.Add(1)
	t.buildSingle(tgt, &d, &h)
	return nil
}

// endpoints are one gateway's URLs.
type endpoints struct {
	rest, batch string
	badRest     [badKinds]string // rest with the kind's expectation
}

// hit is what a request's calls share.
type hit struct {
	base      *endpoints
	app       *app
	sign      top.SignMethod
	format    string
	timestamp string
	bad       BadKind
}

// systemParams sets what every request carries but the method and session.
func (h *hit) systemParams(p *top.Params) {
	key := h.app.key
	if h.bad == BadAppKey {
		key = unknownAppKey
	}
	p.Set("app_key", key)
	p.Set("format", h.format)
	p.Set("sign_method", h.sign.String())
	p.Set("timestamp", h.timestamp)
	p.Set("v", top.Version)
}

// signParams signs p (and body) as the app, spoiling the sign for BadSign.
func (h *hit) signParams(p *top.Params, body []byte) {
	sign := top.Sign(h.sign, h.app.secret, p, body)
	if h.bad == BadSign { // change the last hex digit
		last := "0"
		if sign[len(sign)-1] == '0' {
			last = "1"
		}
		sign = sign[:len(sign)-1] + last
	}
	p.Set("sign", sign)
}

// apiParams draws one call of the mix into p: its method, API parameters
// and session; item-level defects replace the method or the session.
func (t *Targeter) apiParams(p *top.Params, d *draw, a *app, bad BadKind) {
	m := &t.mix[t.mixCDF.pick(d.float())]
	for _, kv := range m.fixed {
		p.Set(kv.Name, kv.Value)
	}
	for _, pk := range m.picks {
		p.Set(pk.name, pk.values[d.intn(len(pk.values))])
	}
	method := m.method
	if bad == BadMethod {
		method = unknownMethod
	}
	p.Set("method", method)
	var s *session
	if len(a.sessions) > 0 {
		s = &a.sessions[d.intn(len(a.sessions))]
	}
	if m.tid && s != nil && len(s.tids) > 0 {
		p.Set("tid", s.tids[d.intn(len(s.tids))])
	}
	switch {
	case bad == BadSession:
		p.Set("session", unknownSession)
	case s != nil && !m.noSession:
		p.Set("session", s.key)
	}
}

func (t *Targeter) buildSingle(tgt *vegeta.Target, d *draw, h *hit) {
	p := paramPool.Get().(*top.Params)
	p.Reset()
	t.apiParams(p, d, h.app, h.bad)
	h.systemParams(p)
	h.signParams(p, nil)
	tgt.Method = http.MethodPost
	tgt.URL = h.base.rest
	if h.bad != 0 {
		tgt.URL = h.base.badRest[h.bad]
	}
	tgt.Body = []byte(p.Encode())
	tgt.Header = formHeader
	paramPool.Put(p)
}

// batchItems recycles the item lists of batches.
var batchItems = sync.Pool{New: func() any { return new([]*top.Params) }}

func (t *Targeter) buildBatch(tgt *vegeta.Target, d *draw, h *hit) {
	exp := expectation{calls: t.batchSize, batch: true, item: -1, code: h.bad.Code()}
	badItem := -1
	if h.bad.perItem() {
		badItem = d.intn(t.batchSize)
		exp.item = badItem
	}
	ip := batchItems.Get().(*[]*top.Params)
	items := (*ip)[:0]
	for i := range t.batchSize {
		p := paramPool.Get().(*top.Params)
		p.Reset()
		bad := BadKind(0)
		if i == badItem {
			bad = h.bad
		}
		t.apiParams(p, d, h.app, bad)
		items = append(items, p)
	}
	body := top.EncodeBatch(nil, items, top.DefaultSeparator)
	for _, p := range items {
		paramPool.Put(p)
	}
	clear(items)
	*ip = items[:0]
	batchItems.Put(ip)

	q := paramPool.Get().(*top.Params)
	q.Reset()
	h.systemParams(q)
	h.signParams(q, body)
	tgt.Method = http.MethodPost
	tgt.URL = h.base.batch + "?" + q.Encode() + exp.fragment()
	tgt.Body = body
	tgt.Header = batchHeader
	paramPool.Put(q)
}
