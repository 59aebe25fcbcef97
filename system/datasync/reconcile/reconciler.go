package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/sdk"
)

// Reconciler reconciles the owned sellers continuously. Safe for concurrent
// use; Run it once per worker.
type Reconciler struct {
	cfg   Config
	stats counters

	mu    sync.Mutex
	tasks map[string]*taskState
}

// taskState is what this worker remembers of a seller between passes; the
// positions themselves live in the shared checkpoints.
type taskState struct {
	busy      bool      // a pass is reconciling the seller
	nextSweep time.Time // when the sweep may take its next step
	notBefore time.Time // flow control banned the seller's calls until then
}

// New checks cfg and returns a Reconciler.
func New(cfg Config) (*Reconciler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Reconciler{cfg: cfg, tasks: map[string]*taskState{}}, nil
}

// Stats returns the cumulative counters.
func (r *Reconciler) Stats() Stats { return r.stats.snapshot() }

// Run passes over the owned sellers every Interval, and at once when the
// Owner's assignment changes, until ctx ends; it returns nil then. Failures
// are counted and logged; the failed windows are retried by later passes.
func (r *Reconciler) Run(ctx context.Context) error {
	tick := r.cfg.Clock.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for {
		var wake <-chan struct{}
		if n, ok := r.cfg.Owner.(changeNotifier); ok {
			wake = n.Changed() // taken before the pass: a change during it wakes the next one
		}
		if err := r.Pass(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Warn("reconcile: pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C():
		case <-wake:
		}
	}
}

// Pass reconciles every owned seller once: the tail from its checkpoint to
// now - Lag, then a sweep step when one is due. It returns the sellers'
// errors joined.
func (r *Reconciler) Pass(ctx context.Context) error {
	sellers, err := r.cfg.Sellers.Sellers(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: list sellers: %w", err)
	}
	r.stats.passes.Add(1)
	work := make(chan string)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range min(r.cfg.Concurrency, len(sellers)) {
		wg.Go(func() {
			for s := range work {
				if err := r.seller(ctx, s); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("seller %s: %w", s, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, s := range sellers {
		if r.cfg.Owner != nil && !r.cfg.Owner.Owns(TaskID(s)) {
			continue
		}
		select {
		case work <- s:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

// seller runs one seller's tail and sweep step, unless another pass of this
// worker is on it or flow control banned it.
func (r *Reconciler) seller(ctx context.Context, seller string) error {
	st, ok := r.claim(seller)
	if !ok {
		return nil
	}
	defer r.release(st)
	err := r.tail(ctx, seller)
	if err == nil {
		err = r.sweep(ctx, seller, st)
	}
	if d, banned := sdk.BanDuration(err); banned {
		r.mu.Lock()
		st.notBefore = r.cfg.Clock.Now().Add(d)
		r.mu.Unlock()
	}
	return err
}

func (r *Reconciler) claim(seller string) (*taskState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.tasks[seller]
	if st == nil {
		st = &taskState{}
		r.tasks[seller] = st
	}
	if st.busy || r.cfg.Clock.Now().Before(st.notBefore) {
		return nil, false
	}
	st.busy = true
	return st, true
}

func (r *Reconciler) release(st *taskState) {
	r.mu.Lock()
	st.busy = false
	r.mu.Unlock()
}

// tail verifies from the checkpoint minus Overlap to now - Lag, in windows of
// at most Window, saving the checkpoint after each verified window.
func (r *Reconciler) tail(ctx context.Context, seller string) error {
	name := CheckpointName(r.cfg.CheckpointPrefix, KindTail, seller)
	cp, ok, err := r.cfg.Checkpoints.Load(ctx, name)
	if err != nil {
		r.stats.cpErrors.Add(1)
		return err
	}
	now := r.cfg.Clock.Now()
	if !ok {
		cp = r.firstStart(now)
	}
	end := now.Add(-r.cfg.Lag).Truncate(time.Second)
	for cp.Before(end) {
		from := cp.Add(-r.cfg.Overlap).Truncate(time.Second)
		to := from.Add(r.cfg.Window)
		if to.After(end) {
			to = end
		}
		if err := r.verify(ctx, seller, from, to); err != nil {
			return err
		}
		if err := r.save(ctx, name, to); err != nil {
			return err
		}
		cp = to
	}
	return nil
}

// firstStart is where a seller without a checkpoint starts: Start, or
// Horizon ago. Never now: orders changed before the first run count too.
func (r *Reconciler) firstStart(now time.Time) time.Time {
	if !r.cfg.Start.IsZero() {
		return r.cfg.Start.Truncate(time.Second)
	}
	return now.Add(-r.cfg.Horizon).Truncate(time.Second)
}

// sweep takes one step of the seller's sweep when one is due: it verifies
// SweepWindow from the sweep position, which walks from Horizon ago towards
// the tail checkpoint and starts over when less than a window is left.
func (r *Reconciler) sweep(ctx context.Context, seller string, st *taskState) error {
	now := r.cfg.Clock.Now()
	r.mu.Lock()
	due := r.cfg.SweepEvery > 0 && !now.Before(st.nextSweep)
	if due {
		st.nextSweep = now.Add(r.cfg.SweepEvery)
	}
	r.mu.Unlock()
	if !due {
		return nil
	}
	limit, ok, err := r.cfg.Checkpoints.Load(ctx, CheckpointName(r.cfg.CheckpointPrefix, KindTail, seller))
	if err != nil || !ok {
		if err != nil {
			r.stats.cpErrors.Add(1)
		}
		return err // no tail checkpoint yet: nothing behind it to sweep
	}
	name := CheckpointName(r.cfg.CheckpointPrefix, KindSweep, seller)
	pos, ok, err := r.cfg.Checkpoints.Load(ctx, name)
	if err != nil {
		r.stats.cpErrors.Add(1)
		return err
	}
	oldest := now.Add(-r.cfg.Horizon).Truncate(time.Second)
	if !ok || pos.Before(oldest) {
		pos = oldest
	}
	// Less than a window left before the tail: start over. The tail moves on
	// meanwhile, so chasing it would never wrap; the span left out is
	// covered by the next cycle, long before it falls past the horizon.
	if pos.After(oldest) && limit.Sub(pos) < r.cfg.SweepWindow {
		r.stats.sweepCycles.Add(1)
		pos = oldest
	}
	to := pos.Add(r.cfg.SweepWindow)
	if to.After(limit) {
		to = limit
	}
	if !to.After(pos) {
		return nil // the tail has not got past the horizon yet
	}
	if err := r.verify(ctx, seller, pos, to); err != nil {
		return err
	}
	r.stats.sweepWindows.Add(1)
	return r.save(ctx, name, to)
}

func (r *Reconciler) save(ctx context.Context, name string, t time.Time) error {
	if err := r.cfg.Checkpoints.Save(ctx, name, t); err != nil {
		r.stats.cpErrors.Add(1)
		return err
	}
	r.stats.checkpoints.Add(1)
	return nil
}

// verify lists [from, to] on the platform, compares it with the database and
// repairs the differences; it returns nil only when all of that succeeded.
// A window holding too many orders is verified as two halves.
func (r *Reconciler) verify(ctx context.Context, seller string, from, to time.Time) error {
	from, to = from.Truncate(time.Second), to.Truncate(time.Second) // the API's resolution
	l, err := r.list(ctx, seller, from, to)
	if isTooMany(err) { // only for windows longer than a second: the halves are shorter
		mid := from.Add(to.Sub(from) / 2).Truncate(time.Second)
		if err := r.verify(ctx, seller, from, mid); err != nil {
			return err
		}
		return r.verify(ctx, seller, mid, to) // mid is in both halves: ends are inclusive
	}
	if err == nil {
		var docs []sellerdb.Doc
		if docs, err = r.compare(ctx, seller, from, to, l); err == nil {
			err = r.repair(ctx, docs)
		}
	}
	if err != nil {
		return fmt.Errorf("window %s..%s: %w", stamp(from), stamp(to), err)
	}
	r.stats.windows.Add(1)
	return nil
}
