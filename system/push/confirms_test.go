package push

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// recordingSource counts leases and records confirm calls; a confirm call
// waits on gate when it is set.
type recordingSource struct {
	mu       sync.Mutex
	leases   int
	leased   map[string]int // leases per queue
	confirms [][]IDsArgs
	gate     chan struct{}
}

func (r *recordingSource) Lease(_ context.Context, queue string, _ int, _ time.Duration) ([]Leased, error) {
	r.mu.Lock()
	r.leases++
	if r.leased == nil {
		r.leased = map[string]int{}
	}
	r.leased[queue]++
	r.mu.Unlock()
	return nil, nil
}

func (r *recordingSource) ConfirmMany(_ context.Context, items []IDsArgs) (int, error) {
	r.mu.Lock()
	gate := r.gate
	r.confirms = append(r.confirms, slices.Clone(items))
	r.mu.Unlock()
	if gate != nil {
		<-gate
	}
	n := 0
	for _, it := range items {
		n += len(it.IDs)
	}
	return n, nil
}

func (r *recordingSource) Release(context.Context, string, []int64) error { return nil }

func (r *recordingSource) counts() (leases, calls int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leases, len(r.confirms)
}

func newTestHub(src source, window int) *hub {
	return newHub(clock.NewFake(time.Unix(1e9, 0)), slog.New(slog.NewTextHandler(io.Discard, nil)), window,
		func(string) source { return src }, func(string, bool) {})
}

func testSession(h *hub, queue string) (*dispatcher, *session) {
	d := &dispatcher{queue: queue, src: h.source(queue), hub: h}
	s := &session{hub: h, queue: queue, disp: d}
	d.add(s)
	return d, s
}

// A confirm that leaves the session room it already had does not run a
// lease loop; the one that frees a full window does.
func TestConfirmKicksOnlyAFullWindow(t *testing.T) {
	src := &recordingSource{}
	h := newTestHub(src, 2)
	d, s := testSession(h, "app/default")
	far := time.Unix(2e9, 0).UnixMilli()

	d.mu.Lock()
	s.track(1, far)
	d.mu.Unlock()
	d.confirm(s, 1)
	eventually(t, "the confirm reaches the owner", func() bool { _, calls := src.counts(); return calls == 1 })
	if leases, _ := src.counts(); leases != 0 {
		t.Fatalf("a confirm in a window with room ran %d lease loops, want 0", leases)
	}

	d.mu.Lock()
	s.track(2, far)
	s.track(3, far)
	d.mu.Unlock()
	d.confirm(s, 2)
	eventually(t, "a lease after the full window got room", func() bool { leases, _ := src.counts(); return leases == 1 })
	if got := h.stats.Confirmed.Load(); got != 2 {
		t.Fatalf("Confirmed = %d, want 2", got)
	}
}

// Confirms of many queues that arrive while a call runs go out together in
// the next call, grouped by queue.
func TestConfirmsOfManyQueuesShareACall(t *testing.T) {
	src := &recordingSource{gate: make(chan struct{})}
	h := newTestHub(src, 8)
	far := time.Unix(2e9, 0).UnixMilli()
	type pair struct {
		d *dispatcher
		s *session
	}
	var ps []pair
	for _, q := range []string{"a/default", "b/default", "c/default"} {
		d, s := testSession(h, q)
		d.mu.Lock()
		for id := int64(1); id <= 3; id++ {
			s.track(id, far)
		}
		d.mu.Unlock()
		ps = append(ps, pair{d, s})
	}
	ps[0].d.confirm(ps[0].s, 1) // the first call, held at the gate
	eventually(t, "the first call", func() bool { _, calls := src.counts(); return calls == 1 })
	for _, p := range ps {
		p.d.confirm(p.s, 2)
		p.d.confirm(p.s, 3)
	}
	close(src.gate)
	eventually(t, "every confirm sent", func() bool { return h.stats.Confirmed.Load() == 7 })
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.confirms) != 2 {
		t.Fatalf("%d confirm calls, want 2: %v", len(src.confirms), src.confirms)
	}
	second := src.confirms[1]
	if len(second) != 3 {
		t.Fatalf("second call has %d queues, want 3: %v", len(second), second)
	}
	for _, it := range second {
		if !slices.Equal(it.IDs, []int64{2, 3}) {
			t.Fatalf("queue %s confirmed %v in the second call, want [2 3]", it.Queue, it.IDs)
		}
	}
}

// The sweeps kick every dispatcher once per round of turns, a share of them
// per sweep, not all in one sweep.
func TestSweepSpreadsTheKicks(t *testing.T) {
	src := &recordingSource{}
	h := newTestHub(src, 4)
	const queues, turns = 10, 5
	for i := range queues {
		s := &session{hub: h, queue: fmt.Sprintf("app%d/default", i)}
		h.attach(s)
		h.activate(s)
	}
	eventually(t, "the first leases", func() bool { leases, _ := src.counts(); return leases == queues })
	for turn := 1; turn <= turns; turn++ {
		h.sweep(turn, turns)
		eventually(t, "this turn's leases", func() bool { leases, _ := src.counts(); return leases == queues+turn*queues/turns })
	}
	time.Sleep(10 * time.Millisecond)
	src.mu.Lock()
	defer src.mu.Unlock()
	for q, n := range src.leased {
		if n != 2 {
			t.Errorf("%s leased %d times, want 2 (activation, then its turn)", q, n)
		}
	}
}
