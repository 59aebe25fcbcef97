package scenarios

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// streams checks each stream's settings, peak and shapes, and what it needs.
func (v *validator) streams() {
	s := v.s
	if s.Streams.API == nil && s.Streams.Orders == nil && s.Streams.Push == nil {
		v.errf("streams", "required: at least one of %s", strings.Join(StreamNames, ", "))
	}
	var calibrated []string
	for _, name := range StreamNames {
		v.pieces(name)
		if !s.declared(name) {
			continue
		}
		path := field("streams", name)
		shaped, peak := s.Shaped(name), s.peak(name)
		switch {
		case !shaped && name != StreamPush:
			v.keyErrf(path, "never runs: no phase gives %s a shape", name)
		case !shaped && !peak.IsZero():
			v.errf(field(path, "peak"), "unused: no phase gives push a shape")
		case shaped && peak.Fraction > 1:
			v.errf(field(path, "peak"), "a fraction of calibrated capacity must be in (0, 1], got %g (write 200/s for an absolute rate)", peak.Fraction)
		case shaped && peak.IsZero():
			calibrated = append(calibrated, name)
		}
	}
	switch {
	case len(calibrated) > 0 && !s.has("scale"):
		v.errf("scale", "required: the peaks of %s come from calibration (or give each an absolute peak like 200/s)", strings.Join(calibrated, ", "))
	case len(calibrated) == 0 && s.has("scale"):
		v.errf("scale", "unused: every stream gives its own peak")
	}
	if a := s.Streams.API; a != nil {
		v.apiStream(a)
	}
	if o := s.Streams.Orders; o != nil {
		v.ordersStream(o)
	}
	if p := s.Streams.Push; p != nil {
		v.pushStream(p)
	}
	v.needs()
}

// needs checks that the nodes the streams and nodes depend on exist.
func (v *validator) needs() {
	s := v.s
	has := func(role string) bool { _, ok := s.Env.Nodes[role]; return ok }
	need := func(path, what string, roles ...string) {
		for _, r := range roles {
			if !has(r) {
				v.keyErrf(path, "%s needs %s nodes in env.nodes", what, r)
			}
		}
	}
	if s.Streams.API != nil {
		need("streams.api", "the api stream", RoleGateway, RoleBackend)
	}
	if s.Streams.Orders != nil {
		need("streams.orders", "the orders stream", RoleBackend)
	}
	if s.Streams.Push != nil {
		need("streams.push", "the push stream", RolePush, RoleBackend)
		if s.Streams.Orders == nil && !s.Shaped(StreamPush) {
			v.keyErrf("streams.push", "no messages to push: declare the orders stream or give push a shape")
		}
	}
	if has(RoleSync) {
		need(field("env.nodes", RoleSync), "sync", RolePush, RoleBackend)
	}
}

func (v *validator) apiStream(a *APIStream) {
	const path = "streams.api"
	if len(a.Mix) == 0 {
		v.errf(field(path, "mix"), "required: API method -> weight")
	}
	for _, m := range slices.Sorted(maps.Keys(a.Mix)) {
		mp := field(field(path, "mix"), m)
		if !methodName.MatchString(m) {
			v.keyErrf(mp, "not an API method name like taobao.trade.fullinfo.get")
		}
		if a.Mix[m] <= 0 {
			v.errf(mp, "weight must be > 0, got %g", a.Mix[m])
		}
	}
	v.fraction(field(path, "bad_fraction"), a.BadFraction)
	v.fraction(field(path, "batch_fraction"), a.BatchFraction)
	limit := DefaultGatewayBatch
	if s, ok := v.s.flags(RoleGateway)["max-batch-items"]; ok {
		if n, err := strconv.Atoi(s); err == nil {
			limit = n
		}
	}
	if a.BatchSize < 1 || a.BatchSize > limit {
		v.errf(field(path, "batch_size"), "must be in 1..%d (the gateway's max-batch-items), got %d", limit, a.BatchSize)
	}
	v.atLeast(field(path, "apps"), a.Apps, 1)
	v.atLeast(field(path, "sessions_per_app"), a.SessionsPerApp, 1)
	if a.Zipf <= 1 {
		v.errf(field(path, "zipf"), "the Zipf exponent must be > 1, got %g", a.Zipf)
	}
}

func (v *validator) ordersStream(o *OrdersStream) {
	const path = "streams.orders"
	v.atLeast(field(path, "sellers"), o.Sellers, 1)
	if o.HotSellers < 0 || o.HotSellers > o.Sellers {
		v.errf(field(path, "hot_sellers"), "must be in 0..sellers (%d), got %d", o.Sellers, o.HotSellers)
	}
	v.fraction(field(path, "hot_share"), o.HotShare)
	if o.HotShare > 0 && o.HotSellers == 0 {
		v.errf(field(path, "hot_share"), "needs hot_sellers > 0")
	}
	if o.Zipf <= 1 {
		v.errf(field(path, "zipf"), "the Zipf exponent must be > 1, got %g", o.Zipf)
	}
	if o.Concurrency < 1 || o.Concurrency > 4096 {
		v.errf(field(path, "concurrency"), "must be in 1..4096, got %d", o.Concurrency)
	}
	a := o.Actions
	for name, p := range map[string]float64{"close": a.Close, "refund": a.Refund, "modify_fee": a.ModifyFee, "memo": a.Memo,
		"address_change": a.AddressChange, "rate": a.Rate, "partly_ship": a.PartlyShip} {
		v.fraction(field(field(path, "actions"), name), p)
	}
}

func (v *validator) pushStream(p *PushStream) {
	const path = "streams.push"
	v.atLeast(field(path, "apps"), p.Apps, 1)
	if p.Clients < p.Apps {
		v.errf(field(path, "clients"), "must be >= apps (%d): every app needs a connection, got %d", p.Apps, p.Clients)
	}
	v.behaviours(field(path, "behaviours"), p.Behaviours)
	v.positive(field(path, "slow_delay"), p.SlowDelay)
}
