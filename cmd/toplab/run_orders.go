package main

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/pacer"
	"github.com/toplab/toplab/scenarios"
)

// ordersStream runs the order lifecycle generator and records each action's
// latency from its intended time (the pacer's schedule), so the orders stream
// is corrected for coordinated omission like the api stream.
type ordersStream struct {
	gen   *orders.Generator
	sched *loadgen.Schedule
	seq   pacer.Sequence
	rec   *loadgen.Recorder
	next  atomic.Uint32
	start time.Time
	stats orders.Stats
	err   error

	mu   sync.Mutex
	last orders.Progress
}

const ordersShards = 8

func newOrdersStream(s *scenarios.Scenario, backendURL string, seq pacer.Sequence, d time.Duration) (*ordersStream, error) {
	o := s.Streams.Orders
	act := o.Actions
	st := &ordersStream{sched: loadgen.NewSchedule(seq), seq: seq, rec: loadgen.NewRecorder(ordersShards)}
	mix := orders.DefaultMix
	mix.Close, mix.Refund, mix.ModifyFee, mix.Memo = act.Close, act.Refund, act.ModifyFee, act.Memo
	mix.AddressChange, mix.Rate, mix.PartlyShip = act.AddressChange, act.Rate, act.PartlyShip
	gen, err := orders.New(orders.Config{
		URL: backendURL, Pacer: seq, Duration: d, Sellers: labSellers(o.Sellers), HotSellers: o.HotSellers, HotShare: o.HotShare,
		Zipf: o.Zipf, Mix: mix, Seed: s.Seed + 1, Concurrency: o.Concurrency,
		Progress: func(p orders.Progress) { st.mu.Lock(); st.last = p; st.mu.Unlock() },
		Trace:    st.trace,
	})
	if err != nil {
		return nil, err
	}
	st.gen = gen
	return st, nil
}

// trace records one action's outcome; it runs on the generator's goroutines.
func (st *ordersStream) trace(r orders.Result) {
	now := time.Now()
	at, ok := st.sched.Elapsed(r.Seq)
	if !ok {
		return
	}
	lat := max(now.Sub(st.start)-at, 0)
	o := loadgen.Observation{Intended: at, Sent: at, Corrected: lat, Raw: lat, Code: uint16(r.Code)}
	switch {
	case r.Code >= 200 && r.Code < 300:
		o.Outcome = loadgen.OutcomeOK
	case r.Code == 409:
		o.Outcome = "conflict"
	case r.Code > 0:
		o.Outcome = "http_" + strconv.Itoa(r.Code)
	case r.Err != nil && errors.Is(r.Err, context.Canceled):
		o.Outcome = loadgen.OutcomeCanceled
	case r.Err != nil:
		o.Outcome = loadgen.ErrorOutcome(r.Err.Error())
	default:
		o.Outcome = "skipped"
	}
	st.rec.Shard(int(st.next.Add(1)) % ordersShards).Record(o)
}

func (st *ordersStream) run(ctx context.Context) {
	st.start = time.Now()
	st.stats, st.err = st.gen.Run(ctx)
}

func (st *ordersStream) progress() orders.Progress {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.last
}

// summary is the stream's loadgen summary, with each second's target from
// the pacer's schedule.
func (st *ordersStream) summary(horizon time.Duration) (*loadgen.Summary, error) {
	sum, err := st.rec.Summary(st.start)
	if err != nil {
		return nil, err
	}
	sum.Name, sum.Model, sum.Stopped = scenarios.StreamOrders, loadgen.ModelOpen, st.stats.Stopped
	fillSeriesTargets(sum, st.seq, horizon)
	return sum, nil
}

// fillSeriesTargets sets each second's Target to the hits shape has due in
// it, extending the series to the horizon.
func fillSeriesTargets(sum *loadgen.Summary, shape pacer.Shape, horizon time.Duration) {
	for i := len(sum.Series); time.Duration(i)*time.Second < horizon; i++ {
		sum.Series = append(sum.Series, loadgen.Second{Second: i})
	}
	for i := range sum.Series {
		from := min(time.Duration(i)*time.Second, horizon)
		to := min(from+time.Second, horizon)
		sum.Series[i].Target = uint64(shape.Hits(to)) - uint64(shape.Hits(from))
	}
}
