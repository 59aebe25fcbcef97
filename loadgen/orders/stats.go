package orders

import (
	"maps"
	"sync"
	"time"
)

// Why a run stopped (Stats.Stopped).
const (
	StopDone       = "done"        // every action due within Duration was sent
	StopMaxActions = "max-actions" // MaxActions were dispatched
	StopPacer      = "pacer"       // the pacer stopped
	StopCanceled   = "canceled"    // the context was cancelled
)

// Stats counts a run's actions.
type Stats struct {
	// Dispatched counts the actions due so far (hits), whatever became of them.
	Dispatched uint64 `json:"dispatched"`
	// Sent counts requests made.
	Sent uint64 `json:"sent"`
	// Done counts successful actions by kind ("create", "pay", ...).
	Done map[string]uint64 `json:"done"`
	// Conflicts counts 409s: transitions the trade centre refused although
	// the generator's model allowed them. Expected to be 0.
	Conflicts uint64 `json:"conflicts"`
	// Errors counts the other failures by HTTP status: 0 is no answer, a
	// 2xx is an answer whose body did not decode.
	Errors map[int]uint64 `json:"errors"`
	// Skipped counts actions not sent because an earlier action of their
	// order failed; Canceled those not sent or cut off by cancellation.
	Skipped  uint64 `json:"skipped"`
	Canceled uint64 `json:"canceled"`
	// Drift counts successful answers whose trade status differs from what
	// the generator's model expected. Expected to be 0.
	Drift uint64 `json:"drift"`
	// MaxLag is the furthest behind its schedule an action was dispatched
	// (all workers busy, or the dispatcher late).
	MaxLag  time.Duration `json:"max_lag"`
	Elapsed time.Duration `json:"elapsed"`
	Stopped string        `json:"stopped,omitempty"`
}

// Created is the number of orders created.
func (s Stats) Created() uint64 { return s.Done[KindCreate] }

// Failed is the number of failed actions: conflicts and errors.
func (s Stats) Failed() uint64 {
	n := s.Conflicts
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// tally is the live Stats, safe for concurrent use.
type tally struct {
	mu sync.Mutex
	s  Stats
}

func newTally() *tally {
	return &tally{s: Stats{Done: map[string]uint64{}, Errors: map[int]uint64{}}}
}

func (t *tally) update(f func(*Stats)) {
	t.mu.Lock()
	f(&t.s)
	t.mu.Unlock()
}

// snapshot copies the stats.
func (t *tally) snapshot() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.Done, s.Errors = maps.Clone(t.s.Done), maps.Clone(t.s.Errors)
	return s
}
