package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Attack runs an open-model attack: hits from tr at the pace of o.Pacer until
// o.Duration or o.MaxHits, whatever the server does, recording latency
// corrected for coordinated omission (see the package doc). When ctx is
// cancelled it stops sending, aborts the hits in flight and returns the
// partial summary together with ctx's error.
func Attack(ctx context.Context, tr vegeta.Targeter, o Options) (*Summary, error) {
	o = o.withDefaults()
	sched := NewSchedule(o.Pacer)
	if at, ok := sched.Elapsed(1 << 16); ok && at == 0 {
		// vegeta's "infinite rate" (a zero ConstantPacer or LinearPacer): with
		// everything due at once there is no schedule to be late against.
		return nil, errors.New("loadgen: the pacer has no schedule (infinite rate): use Closed")
	}
	return run(ctx, tr, o, sched)
}

// run drives vegeta and the recorders for both models.
// sched is the open model's schedule, nil for the closed model.
func run(ctx context.Context, tr vegeta.Targeter, o Options, sched *Schedule) (*Summary, error) {
	closed := sched == nil
	if tr == nil {
		return nil, errNoTargeter
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	client, conns := newClient(o.HTTP, runCtx)
	defer client.CloseIdleConnections()

	g := newGate(runCtx, o, sched) // the schedule is shared by the gate and the recording goroutines
	workers, maxWorkers, model := o.Workers, o.MaxWorkers, ModelOpen
	if closed {
		workers, maxWorkers, model = uint64(o.Concurrency), uint64(o.Concurrency), ModelClosed
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(maxWorkers),
		vegeta.MaxBody(o.HTTP.vegetaMaxBody()),
	)
	rec := NewRecorder(o.Shards)
	smp := &sampler{model: model, clk: o.Clock, start: o.Clock.Now(), duration: o.Duration,
		rate: g.Rate, sent: g.sent.Load, rec: rec}
	sink := o.progressSink()
	if sink != nil {
		smp.scratch = newHistogram()
	}
	stopProgress := startProgress(o.Clock, o.ProgressEvery, smp.sample, sink)

	results := atk.Attack(tr, g, 0, o.Name) // the gate decides when to stop
	// The gate only acts when vegeta asks it for the next hit; if every worker
	// is stuck on a stalled server, this deadline ends the run instead (the
	// hits in flight still finish within the request timeout).
	limit, reason := o.Duration+o.Drain, StopDrain
	if closed {
		limit, reason = o.Duration, StopDone
	}
	deadline := time.AfterFunc(limit, func() {
		g.stop(reason, g.elapsed())
		atk.Stop()
	})
	done := make(chan struct{})
	go func() {
		select {
		case <-runCtx.Done(): // stop pacing and abort what is in flight
			g.stop(StopCanceled, g.elapsed())
			atk.Stop()
			conns.closeAll()
		case <-done:
		}
	}()
	var wg sync.WaitGroup
	for i := range rec.Shards() {
		c := &consumer{shard: rec.Shard(i), gate: g, classify: o.Classifier, ctx: runCtx}
		if !closed {
			c.sched = sched
		}
		wg.Go(func() {
			for r := range results {
				c.handle(r)
			}
		})
	}
	wg.Wait() // vegeta closes results once its workers are done
	deadline.Stop()
	close(done)
	stopProgress()

	began, ok := g.start()
	if !ok {
		began = time.Now()
	}
	sum, err := rec.Summary(began)
	if err != nil {
		return nil, fmt.Errorf("loadgen: summarise: %w", err)
	}
	sum.Name, sum.Model = o.Name, model
	var stopAt time.Duration
	sum.Stopped, stopAt = g.outcome()
	if !closed {
		horizon := o.Duration
		if sum.Stopped == StopCanceled {
			horizon = min(horizon, stopAt)
		}
		fillTargets(sum, sched, horizon, o.MaxHits)
		if sum.Stopped == StopDrain || sum.Stopped == StopCanceled {
			var due uint64
			for _, s := range sum.Series {
				due += s.Target
			}
			sum.Unsent = due - min(due, sum.Requests)
		}
	}
	return sum, ctx.Err()
}

// consumer records the results one recording goroutine reads.
type consumer struct {
	shard    *Shard
	gate     *gate
	sched    *Schedule // nil in the closed model: no intended times
	classify Classifier
	ctx      context.Context
	began    time.Time
	ready    bool
}

func (c *consumer) handle(r *vegeta.Result) {
	if !c.ready {
		// The first Pace happens before any hit, hence before any result.
		if c.began, c.ready = c.gate.start(); !c.ready {
			c.began = r.Timestamp
		}
	}
	sent := r.Timestamp.Sub(c.began)
	o := Observation{Intended: sent, Sent: sent, Corrected: r.Latency, Raw: r.Latency, Code: r.Code}
	if c.sched != nil {
		if at, ok := c.sched.Elapsed(r.Seq); ok {
			o.Intended = at
			o.Corrected = max(sent-at+r.Latency, r.Latency)
		}
	}
	if r.Code == 0 && r.Error != "" && c.ctx.Err() != nil {
		o.Outcome = OutcomeCanceled
	} else {
		o.Outcome = c.classify(r)
	}
	c.shard.Record(o)
}

// fillTargets sets each second's Target: the hits the schedule has due in it,
// up to horizon and maxHits, extending the series to cover the horizon.
func fillTargets(sum *Summary, sched *Schedule, horizon time.Duration, maxHits uint64) {
	for i := len(sum.Series); i <= secondOf(horizon); i++ {
		sum.Series = append(sum.Series, Second{Second: i})
	}
	var prev uint64
	for i := range sum.Series {
		t := min(time.Duration(i+1)*time.Second, horizon+1) // a hit due at the horizon is sent
		due := sched.HitsBefore(t)
		if maxHits > 0 {
			due = min(due, maxHits)
		}
		sum.Series[i].Target = max(due, prev) - prev
		prev = max(due, prev)
	}
}
