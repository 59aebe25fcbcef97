package orders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/system/clock"
)

// Generator drives the trade centre through order lifecycles. Run it once.
type Generator struct {
	cfg    Config
	client *http.Client
	own    bool // the client is ours to close
	plan   *planner
	tally  *tally
	sched  *loadgen.Schedule

	mu  sync.Mutex // guards the orders' execution state
	sem chan struct{}
	wg  sync.WaitGroup
	ran atomic.Bool
}

// job is one dispatched action of an order.
type job struct {
	seq uint64
	st  step
}

// New checks cfg and prepares a run.
func New(cfg Config) (*Generator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, client: cfg.Client, plan: newPlanner(cfg), tally: newTally(),
		sched: loadgen.NewSchedule(cfg.Pacer), sem: make(chan struct{}, cfg.Concurrency)}
	if g.client == nil {
		g.client, g.own = newClient(cfg.Concurrency), true
	}
	return g, nil
}

// Stats returns the counts so far; safe to call during Run.
func (g *Generator) Stats() Stats { return g.tally.snapshot() }

var errRanTwice = errors.New("orders: a generator runs once")

// Run sends the actions at the pacer's pace until Duration, MaxActions, the
// pacer's end or ctx's cancellation, then waits for the actions in flight
// (and those queued behind them on their orders) and returns the stats.
// Failed actions are counted, not returned: the error is ctx's, if it ended
// the run.
func (g *Generator) Run(ctx context.Context) (Stats, error) {
	if !g.ran.CompareAndSwap(false, true) {
		return Stats{}, errRanTwice
	}
	if g.own {
		defer g.client.CloseIdleConnections()
	}
	clk := g.cfg.Clock
	start := clk.Now()
	stopProgress := g.startProgress(start)

	stopped := g.dispatchAll(ctx, start)
	g.wg.Wait()
	g.tally.update(func(s *Stats) {
		s.Stopped, s.Elapsed = stopped, clk.Since(start)
	})
	stopProgress()
	st := g.Stats()
	if stopped == StopCanceled {
		return st, ctx.Err()
	}
	return st, nil
}

// dispatchAll releases each action when the schedule has it due and
// returns why it stopped.
func (g *Generator) dispatchAll(ctx context.Context, start time.Time) string {
	clk := g.cfg.Clock
	for seq := uint64(0); ; seq++ {
		if g.cfg.MaxActions > 0 && seq >= g.cfg.MaxActions {
			return StopMaxActions
		}
		at, ok := g.sched.Elapsed(seq)
		switch {
		case !ok:
			return StopPacer
		case at > g.cfg.Duration:
			return StopDone
		}
		if err := clock.Wait(ctx, clk, at-clk.Since(start)); err != nil {
			return StopCanceled
		}
		o, st := g.plan.next()
		if !g.dispatch(ctx, o, job{seq: seq, st: st}) {
			return StopCanceled
		}
		lag := clk.Since(start) - at
		g.tally.update(func(s *Stats) {
			s.Dispatched++
			s.MaxLag = max(s.MaxLag, lag)
		})
	}
}

// dispatch hands j to its order: queued behind the action in flight on it,
// skipped if the order failed, else run on a free worker. It returns false
// if ctx ended while it waited for one.
func (g *Generator) dispatch(ctx context.Context, o *order, j job) bool {
	g.mu.Lock()
	switch {
	case o.dead:
		g.mu.Unlock()
		g.skip(o, j, errors.New("an earlier action of the order failed"))
		return true
	case o.busy:
		o.queue = append(o.queue, j)
		g.mu.Unlock()
		return true
	}
	o.busy = true
	g.mu.Unlock()
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		g.mu.Lock()
		o.busy = false
		g.mu.Unlock()
		g.cancel(o, j, ctx.Err())
		return false
	}
	g.wg.Add(1)
	go g.chain(ctx, o, j)
	return true
}

// chain runs j, then whatever queued behind it on the same order, so one
// order never has two actions in flight.
func (g *Generator) chain(ctx context.Context, o *order, j job) {
	defer func() {
		<-g.sem
		g.wg.Done()
	}()
	for {
		g.execute(ctx, o, j)
		g.mu.Lock()
		if len(o.queue) == 0 {
			o.busy = false
			g.mu.Unlock()
			return
		}
		j = o.queue[0]
		o.queue = o.queue[1:]
		g.mu.Unlock()
	}
}

// execute sends one action and counts its outcome.
func (g *Generator) execute(ctx context.Context, o *order, j job) {
	g.mu.Lock()
	dead, tid := o.dead, o.tid
	g.mu.Unlock()
	switch {
	case dead:
		g.skip(o, j, errors.New("an earlier action of the order failed"))
		return
	case ctx.Err() != nil:
		g.cancel(o, j, ctx.Err())
		return
	}
	var body any = o.create
	path := "/internal/trades"
	if j.st.kind != KindCreate {
		body, path = j.st.ev, fmt.Sprintf("/internal/trades/%d/events", tid)
	}
	code, reply, err := call(ctx, g.client, g.cfg.URL, path, body)
	res := Result{Action: g.action(o, j), Tid: tid, Code: code, Status: reply.Trade.Status, Want: j.st.want, Err: err}
	ok := err == nil && code >= 200 && code <= 299
	if ok && j.st.kind == KindCreate {
		res.Tid = reply.Trade.Tid
	}
	g.mu.Lock()
	if ok {
		o.tid = res.Tid
	} else {
		o.dead = true
	}
	g.mu.Unlock()
	canceled := !ok && code == 0 && ctx.Err() != nil
	g.tally.update(func(s *Stats) {
		switch {
		case canceled:
			s.Canceled++
			return
		case ok:
			s.Done[j.st.kind]++
			if res.Status != j.st.want {
				s.Drift++
			}
		case code == http.StatusConflict:
			s.Conflicts++
		default:
			s.Errors[code]++
		}
		s.Sent++
	})
	if !ok && err == nil {
		res.Err = fmt.Errorf("orders: %s answered %d", path, code)
	}
	g.trace(res)
}

func (g *Generator) action(o *order, j job) Action {
	return Action{Seq: j.seq, Order: o.num, Kind: j.st.kind, Seller: o.seller}
}

func (g *Generator) skip(o *order, j job, why error) {
	g.tally.update(func(s *Stats) { s.Skipped++ })
	g.trace(Result{Action: g.action(o, j), Want: j.st.want, Err: why})
}

func (g *Generator) cancel(o *order, j job, why error) {
	g.tally.update(func(s *Stats) { s.Canceled++ })
	g.trace(Result{Action: g.action(o, j), Want: j.st.want, Err: why})
}

func (g *Generator) trace(r Result) {
	if g.cfg.Trace != nil {
		g.cfg.Trace(r)
	}
}
