package socket

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
)

// executor runs nbio's read callbacks (a frame's handling, in connection
// order) on long-lived workers. nbio's default forks a goroutine for a
// callback whenever its queue is empty, which at one confirm per delivered
// message is nearly always: each such goroutine starts with a small stack
// and grows it again through the decode path (stack copying alone was 5% of
// a node's CPU at 20k messages/s). A worker keeps its grown stack.
type executor struct {
	tasks   chan func()
	done    chan struct{}
	log     *slog.Logger
	handed  atomic.Uint64 // callbacks run by a worker
	spawned atomic.Uint64 // callbacks that found no idle worker
}

func newExecutor(workers int, log *slog.Logger) *executor {
	e := &executor{tasks: make(chan func()), done: make(chan struct{}), log: log}
	for range workers {
		go e.work()
	}
	return e
}

// run hands f to an idle worker, or to a goroutine of its own when none is
// idle: a callback that blocks (a handshake loading metadata) never holds
// up the poller or the callbacks behind it.
func (e *executor) run(f func()) {
	select {
	case e.tasks <- f:
		e.handed.Add(1)
	default:
		e.spawned.Add(1)
		go e.call(f)
	}
}

func (e *executor) work() {
	for {
		select {
		case f := <-e.tasks:
			e.call(f)
		case <-e.done:
			return
		}
	}
}

// call runs f; a panic in one frame's handling is logged, not the node's end.
func (e *executor) call(f func()) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("socket: callback panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	f()
}

func (e *executor) stop() { close(e.done) }
