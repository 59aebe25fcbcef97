package store

import (
	"context"
	"sync"
)

type reqKind uint8

const (
	reqAppend reqKind = iota
	reqConfirm
	reqRoll // from the maintenance loop: seal the active segment
)

// request is one Append, Confirm or roll waiting for the committer. buf holds
// its encoded records, built by the caller so encoding runs in parallel and
// the caller's entries are never touched after submission.
type request struct {
	kind reqKind
	buf  []byte

	// Filled in by the committer before done is closed.
	ids       []int64 // append: assigned ids
	confirmed int     // confirm: newly confirmed
	err       error
	seg       *segment
	off       int64 // where buf landed in seg
	done      chan struct{}
}

// reqQueue is where callers leave requests for the single committer, which
// takes everything waiting at once: that is the group commit.
type reqQueue struct {
	mu     sync.Mutex
	reqs   []*request
	closed bool
	wake   chan struct{} // capacity 1: "there is something to take"
}

func newReqQueue() *reqQueue { return &reqQueue{wake: make(chan struct{}, 1)} }

func (q *reqQueue) put(r *request) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// take waits for requests and returns all of them, reusing spare's array;
// nil once the queue is closed and drained.
func (q *reqQueue) take(spare []*request) []*request {
	for {
		q.mu.Lock()
		if len(q.reqs) > 0 {
			batch := q.reqs
			q.reqs = spare[:0]
			q.mu.Unlock()
			return batch
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil
		}
		<-q.wake
	}
}

func (q *reqQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// submit hands r to the committer and waits for it. When ctx ends first the
// call returns ctx.Err() but r may still be committed (its bytes are its own).
func (s *Store) submit(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.done = make(chan struct{})
	if err := s.reqs.put(r); err != nil {
		return err
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
