package push

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/workpool"
)

// hubStats are the connection side's counters.
type hubStats struct {
	Sessions        atomic.Int64
	Pushed          atomic.Int64
	Confirmed       atomic.Int64
	ConfirmsUnknown atomic.Int64
	SlotsExpired    atomic.Int64
	LeaseErrors     atomic.Int64
	ConfirmErrors   atomic.Int64
	SendErrors      atomic.Int64
	Refused         atomic.Int64
	HandshakeFailed atomic.Int64
	BadFrames       atomic.Int64
}

// hub holds this node's dispatchers, one per queue with local connections.
type hub struct {
	clock  clock.Clock
	log    *slog.Logger
	window int
	stats  *hubStats
	source func(queue string) source
	// held is told when the node starts or stops holding connections of a
	// queue (the registry of the notification network).
	held func(queue string, holding bool)

	// pool runs the dispatchers' lease loops and the confirm batcher's
	// flushes on long-lived goroutines, not new ones.
	pool *workpool.Pool
	// confirms carries the clients' confirms to the owners.
	confirms *confirmBatcher

	mu    sync.Mutex
	disps map[string]*dispatcher
	seq   uint64 // dispatchers created, numbering them for the sweeper's turns
}

func newHub(c clock.Clock, log *slog.Logger, window int, source func(string) source, held func(string, bool)) *hub {
	h := &hub{clock: c, log: log, window: window, stats: &hubStats{}, source: source, held: held, disps: map[string]*dispatcher{},
		pool: workpool.New(16*runtime.NumCPU(), log)}
	h.confirms = &confirmBatcher{hub: h}
	return h
}

// attach binds a session in its handshake to its queue's dispatcher (which
// it creates for the queue's first session), before the session is ready,
// so frames that follow CONNECTACK find it; activate then lets it receive.
func (h *hub) attach(s *session) {
	h.mu.Lock()
	d := h.disps[s.queue]
	first := d == nil
	if first {
		h.seq++
		d = &dispatcher{queue: s.queue, src: h.source(s.queue), hub: h, seq: h.seq}
		h.disps[s.queue] = d
	}
	s.disp = d
	h.mu.Unlock()
	h.stats.Sessions.Add(1)
	if first {
		h.held(s.queue, true)
	}
}

// activate adds an attached session to its dispatcher's rotation, unless it
// left meanwhile.
func (h *hub) activate(s *session) {
	h.mu.Lock()
	if s.left {
		h.mu.Unlock()
		return
	}
	s.disp.add(s)
	h.mu.Unlock()
	s.disp.kick()
}

// leave detaches a closed session (once; before its join it does
// nothing); the queue's last one ends the holding.
func (h *hub) leave(s *session) {
	h.mu.Lock()
	d := s.disp
	if d == nil || s.left {
		h.mu.Unlock()
		return
	}
	s.left = true
	empty := d.remove(s)
	if empty && h.disps[s.queue] == d {
		delete(h.disps, s.queue)
	} else {
		empty = false
	}
	h.mu.Unlock()
	h.stats.Sessions.Add(-1)
	d.flushReleases(context.Background())
	if empty {
		h.held(s.queue, false)
	}
}

// notify kicks the queue's dispatcher, if this node holds the queue.
func (h *hub) notify(queue string) {
	h.mu.Lock()
	d := h.disps[queue]
	h.mu.Unlock()
	if d != nil {
		d.kick()
	}
}

// queues lists the queues held here.
func (h *hub) queues() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.disps))
	for q := range h.disps {
		out = append(out, q)
	}
	return out
}

// sweep frees expired window slots and kicks the dispatchers that got free
// slots; it also kicks every dispatcher whose turn it is (their sequence
// number is turn modulo turns): the safety net for a lost notification,
// spread over the sweeps so that a thousand queues do not all lease at once.
func (h *hub) sweep(turn, turns int) {
	now := h.clock.Now().UnixMilli()
	h.mu.Lock()
	ds := make([]*dispatcher, 0, len(h.disps))
	for _, d := range h.disps {
		ds = append(ds, d)
	}
	h.mu.Unlock()
	for _, d := range ds {
		if d.expireSlots(now) || d.seq%uint64(turns) == uint64(turn%turns) {
			d.kick()
		}
	}
}

// runSweeper sweeps every interval until done closes; each dispatcher is
// kicked once every turns sweeps.
func (h *hub) runSweeper(interval time.Duration, turns int, done <-chan struct{}) {
	t := h.clock.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-t.C():
			h.sweep(n, turns)
		case <-done:
			return
		}
	}
}
