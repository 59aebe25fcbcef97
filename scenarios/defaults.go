package scenarios

import "time"

// Defaults for fields a scenario leaves out. A field that is written takes
// its value even when zero, so `settle: 0s` means none and `count: 0` is an
// error rather than silently one.
const (
	DefaultCalibration    = 10 * time.Second
	DefaultSettle         = 30 * time.Second
	DefaultBatchSize      = 20 // public SDKs merge up to 20 calls per batch
	DefaultAPIApps        = 100
	DefaultSessionsPerApp = 10
	DefaultZipf           = 1.1
	DefaultSellers        = 100
	DefaultConcurrency    = 32
	DefaultPushApps       = 10
	DefaultClients        = 100
	DefaultSlowDelay      = 5 * time.Second
	DefaultGatewayBatch   = 50 // serve gateway -max-batch-items
)

// DefaultOrderActions are the side paths' probabilities when a scenario gives none.
var DefaultOrderActions = OrderActions{Close: 0.05, Refund: 0.02, ModifyFee: 0.02, Memo: 0.05, AddressChange: 0.01, Rate: 0.3, PartlyShip: 0.05}

// has reports whether path was written in the file (or set by a sweep).
func (s *Scenario) has(path string) bool {
	_, ok := s.vals[path]
	_, swept := s.swept[path]
	return ok || swept
}

// applyDefaults fills every field the file left out.
func (s *Scenario) applyDefaults() {
	setIf := func(path string, apply func()) {
		if !s.has(path) {
			apply()
		}
	}
	if s.Env.Store == "" {
		s.Env.Store = StoreSQLite
	}
	if s.Env.Coord == "" {
		s.Env.Coord = CoordSQLite
	}
	for role, n := range s.Env.Nodes {
		setIf(field(field("env.nodes", role), "count"), func() { n.Count = 1 })
		s.Env.Nodes[role] = n
	}
	setIf("calibration.duration", func() { s.Calibration.Duration = DefaultCalibration })
	setIf("calibration.cache", func() { s.Calibration.Cache = true })
	setIf("settle", func() { s.Settle = DefaultSettle })
	if a := s.Streams.API; a != nil {
		setIf("streams.api.batch_size", func() { a.BatchSize = DefaultBatchSize })
		setIf("streams.api.apps", func() { a.Apps = DefaultAPIApps })
		setIf("streams.api.sessions_per_app", func() { a.SessionsPerApp = DefaultSessionsPerApp })
		setIf("streams.api.zipf", func() { a.Zipf = DefaultZipf })
	}
	if o := s.Streams.Orders; o != nil {
		setIf("streams.orders.sellers", func() { o.Sellers = DefaultSellers })
		setIf("streams.orders.zipf", func() { o.Zipf = DefaultZipf })
		setIf("streams.orders.concurrency", func() { o.Concurrency = DefaultConcurrency })
		setIf("streams.orders.actions", func() { o.Actions = DefaultOrderActions })
	}
	if p := s.Streams.Push; p != nil {
		setIf("streams.push.apps", func() { p.Apps = DefaultPushApps })
		setIf("streams.push.clients", func() { p.Clients = DefaultClients })
		setIf("streams.push.behaviours", func() { p.Behaviours = Behaviours{Prompt: 1} })
		setIf("streams.push.slow_delay", func() { p.SlowDelay = DefaultSlowDelay })
	}
	for i := range s.Phases {
		for _, ps := range s.Phases[i].shapes() {
			path := field(field(index("phases", i), "streams"), ps.stream) + ".shape"
			switch {
			case ps.shape.Step != nil:
				setIf(path+".max", func() { ps.shape.Step.Max = 1 })
			case ps.shape.Replay != nil:
				if ps.shape.Replay.Interpolate == "" {
					ps.shape.Replay.Interpolate = InterpolateHold
				}
				setIf(path+".peak", func() { ps.shape.Replay.Peak = 1 })
			}
		}
	}
}

// streamShape is a phase's shape of one stream.
type streamShape struct {
	stream string
	shape  *Shape
}

// shapes lists the phase's shapes by stream (push only when it has one).
func (p *Phase) shapes() []streamShape {
	var out []streamShape
	if p.Streams.API != nil {
		out = append(out, streamShape{StreamAPI, &p.Streams.API.Shape})
	}
	if p.Streams.Orders != nil {
		out = append(out, streamShape{StreamOrders, &p.Streams.Orders.Shape})
	}
	if p.Streams.Push != nil && p.Streams.Push.Shape != nil {
		out = append(out, streamShape{StreamPush, p.Streams.Push.Shape})
	}
	return out
}

// shape returns the phase's shape of stream, or nil.
func (p *Phase) shape(stream string) *Shape {
	for _, ps := range p.shapes() {
		if ps.stream == stream {
			return ps.shape
		}
	}
	return nil
}

// declared reports whether the scenario's streams section declares stream.
func (s *Scenario) declared(stream string) bool {
	switch stream {
	case StreamAPI:
		return s.Streams.API != nil
	case StreamOrders:
		return s.Streams.Orders != nil
	case StreamPush:
		return s.Streams.Push != nil
	}
	return false
}

// peak returns the stream's declared peak.
func (s *Scenario) peak(stream string) Rate {
	switch stream {
	case StreamAPI:
		if s.Streams.API != nil {
			return s.Streams.API.Peak
		}
	case StreamOrders:
		if s.Streams.Orders != nil {
			return s.Streams.Orders.Peak
		}
	case StreamPush:
		if s.Streams.Push != nil {
			return s.Streams.Push.Peak
		}
	}
	return Rate{}
}
