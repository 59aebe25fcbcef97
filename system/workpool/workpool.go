// Package workpool runs short callbacks on long-lived goroutines.
//
// A goroutine started per callback begins with a small stack and grows it
// again through the callback's call path every time (runtime.copystack was
// 5-8% of a push node's CPU at 20k messages/s); a worker keeps its grown
// stack. When no worker is idle a callback gets a goroutine of its own, so a
// blocking callback never holds up the caller or the callbacks behind it;
// that goroutine then stays on as a worker until it has been idle for a
// while, so the pool grows to the concurrency its callbacks need.
package workpool

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// linger is how long a worker started past the resident ones waits idle
// before it ends.
const linger = 2 * time.Second

// Pool is a set of workers. The zero value is not usable; call New.
type Pool struct {
	tasks   chan func()
	done    chan struct{}
	log     *slog.Logger
	handed  atomic.Uint64
	spawned atomic.Uint64
}

// New starts workers goroutines (at least one); log gets callbacks' panics.
func New(workers int, log *slog.Logger) *Pool {
	if log == nil {
		log = slog.Default()
	}
	p := &Pool{tasks: make(chan func()), done: make(chan struct{}), log: log}
	for range max(workers, 1) {
		go p.work()
	}
	return p
}

// Go runs f on an idle worker, or on a goroutine of its own when none is
// idle. It never blocks, and works after Stop (every call then spawns).
func (p *Pool) Go(f func()) {
	select {
	case p.tasks <- f:
		p.handed.Add(1)
	default:
		p.spawned.Add(1)
		go p.extra(f)
	}
}

// Counts is how many callbacks workers took and how many found none idle.
func (p *Pool) Counts() (handed, spawned uint64) { return p.handed.Load(), p.spawned.Load() }

// Stop ends the workers once they finish their callbacks.
func (p *Pool) Stop() { close(p.done) }

func (p *Pool) work() {
	for {
		select {
		case f := <-p.tasks:
			p.call(f)
		case <-p.done:
			return
		}
	}
}

// extra runs f, then takes callbacks until it has been idle for linger.
func (p *Pool) extra(f func()) {
	p.call(f)
	idle := time.NewTimer(linger)
	defer idle.Stop()
	for {
		select {
		case f := <-p.tasks:
			p.call(f)
			idle.Reset(linger)
		case <-idle.C:
			return
		case <-p.done:
			return
		}
	}
}

// call runs f; a panic in one callback is logged, not the process's end.
func (p *Pool) call(f func()) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("workpool: callback panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	f()
}
