package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/toplab/toplab/system/clock"
)

// Entry is one message of a queue.
type Entry struct {
	Queue   string // "appkey/group"; 1..200 bytes
	ID      int64  // assigned by Append
	TimeMs  int64  // publish time, Unix ms (set by the caller; retention judges by it)
	Payload []byte // opaque, up to Config.MaxPayloadBytes
}

// Pending is an unconfirmed entry as listed by Store.Pending.
type Pending struct{ ID, TimeMs int64 }

// Store is the durable message store of one push node. It is safe for
// concurrent use.
type Store struct {
	dir string
	cfg Config
	log *slog.Logger
	clk clock.Clock

	idx *index
	hot hotRing

	segMu sync.RWMutex
	segs  []*segment // ascending seq; the last one is the active segment

	reqs       *reqQueue
	w          *writer
	writerDone chan struct{}

	maintainMu   sync.Mutex // one maintenance pass at a time
	stopMaintain context.CancelFunc
	maintainDone chan struct{}

	bytes     atomic.Int64 // sum of segment sizes on disk
	st        counters
	recovered Recovery
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating it if needed) the store in dir and recovers its state
// from the segments there; Stats().Recovery says what recovery found. It
// fails on a segment of an unknown format version, leaving dir untouched.
func Open(dir string, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir:          dir,
		cfg:          cfg,
		log:          cfg.Logger,
		clk:          cfg.Clock,
		idx:          newIndex(),
		reqs:         newReqQueue(),
		writerDone:   make(chan struct{}),
		maintainDone: make(chan struct{}),
	}
	if err := s.recover(); err != nil {
		return nil, err
	}
	s.reclaim() // what expired while the store was closed goes before anything is served
	go s.w.run()
	ctx, cancel := context.WithCancel(context.Background())
	s.stopMaintain = cancel
	go s.maintainLoop(ctx)
	return s, nil
}

// Append stores entries and returns their ids, assigned in order. When it
// returns nil the entries are durable under Config.Sync. Concurrent callers
// share one write and one fdatasync (group commit). It returns ErrFull, having
// stored none of them, when the store is full; ErrInvalid for a bad entry;
// ErrClosed after Close. If ctx ends while waiting, Append returns ctx.Err()
// and the entries may or may not be stored.
func (s *Store) Append(ctx context.Context, entries []Entry) ([]int64, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if len(entries) == 0 {
		return nil, nil
	}
	size := 0
	for i := range entries {
		e := &entries[i]
		if len(e.Queue) == 0 || len(e.Queue) > maxQueueBytes {
			return nil, fmt.Errorf("%w: queue name of %d bytes (1..%d)", ErrInvalid, len(e.Queue), maxQueueBytes)
		}
		if len(e.Payload) > s.cfg.MaxPayloadBytes {
			return nil, fmt.Errorf("%w: payload of %d bytes over %d", ErrInvalid, len(e.Payload), s.cfg.MaxPayloadBytes)
		}
		size += messageSize(e.Queue, e.Payload)
	}
	if size > maxCallBytes {
		return nil, fmt.Errorf("%w: %d bytes in one call, over %d", ErrInvalid, size, maxCallBytes)
	}
	buf := make([]byte, 0, size)
	for i := range entries {
		buf = appendMessage(buf, entries[i].TimeMs, entries[i].Queue, entries[i].Payload)
	}
	r := &request{kind: reqAppend, buf: buf}
	if err := s.submit(ctx, r); err != nil {
		return nil, err
	}
	return r.ids, nil
}

// Confirm marks ids of queue confirmed and returns how many were newly
// confirmed; see ConfirmMany.
func (s *Store) Confirm(ctx context.Context, queue string, ids []int64) (int, error) {
	return s.ConfirmMany(ctx, []QueueIDs{{Queue: queue, IDs: ids}})
}

// QueueIDs are ids of one queue.
type QueueIDs struct {
	Queue string
	IDs   []int64
}

// ConfirmMany marks the ids of several queues confirmed in one record batch
// and returns how many were newly confirmed. Unknown ids, ids already
// confirmed and ids of another queue are ignored.
//
// A confirm is written before it returns but not fsynced on its own: it
// becomes durable with the next append's sync (or the segment's roll or the
// store's close). A confirm lost to a machine crash only brings its message
// back once more, which at-least-once delivery allows; an fsync per confirm
// batch would double the syncs of a busy store for nothing a client can see.
func (s *Store) ConfirmMany(ctx context.Context, items []QueueIDs) (int, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	var buf []byte
	for _, it := range items {
		if len(it.Queue) == 0 || len(it.Queue) > maxQueueBytes {
			continue
		}
		if live := s.liveIDs(it.Queue, it.IDs); len(live) > 0 {
			buf = appendConfirms(slices.Grow(buf, confirmsSize(it.Queue, len(live))), it.Queue, live)
		}
	}
	if len(buf) == 0 {
		return 0, nil
	}
	r := &request{kind: reqConfirm, buf: buf}
	if err := s.submit(ctx, r); err != nil {
		return 0, err
	}
	return r.confirmed, nil
}

// liveIDs returns the distinct ids of queue that are unconfirmed now, sorted,
// so a confirm record only carries ids that can matter.
func (s *Store) liveIDs(queue string, ids []int64) []int64 {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	q := s.idx.queues[queue]
	if q == nil {
		return nil
	}
	var live []int64
	for _, id := range ids {
		if _, _, ok := q.find(id); ok {
			live = append(live, id)
		}
	}
	slices.Sort(live)
	return slices.Compact(live)
}

// Pending lists up to max unconfirmed entries of queue with ID > afterID, in
// ascending id order.
func (s *Store) Pending(queue string, afterID int64, max int) []Pending {
	if max <= 0 {
		return nil
	}
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	q := s.idx.queues[queue]
	if q == nil {
		return nil
	}
	out := make([]Pending, 0, min(max, q.live))
	q.after(afterID, func(e *entry) bool {
		out = append(out, Pending{ID: e.id, TimeMs: e.timeMs})
		return len(out) < max
	})
	return out
}

// PendingCount is the number of unconfirmed entries of queue.
func (s *Store) PendingCount(queue string) int {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	if q := s.idx.queues[queue]; q != nil {
		return q.live
	}
	return 0
}

// Queues lists the queues that have unconfirmed entries, sorted.
func (s *Store) Queues() []string {
	s.idx.mu.RLock()
	out := make([]string, 0, len(s.idx.queues))
	for name := range s.idx.queues {
		out = append(out, name)
	}
	s.idx.mu.RUnlock()
	sort.Strings(out)
	return out
}

// Read returns entry id of queue from the hottest tier holding it. It returns
// ErrNotFound for ids that are unknown, of another queue, expired or (unless
// still hot) confirmed, and ErrCorrupt when the record fails its checksum.
func (s *Store) Read(queue string, id int64) (Entry, Tier, error) {
	if s.closed.Load() {
		return Entry{}, 0, ErrClosed
	}
	if s.cfg.HotWindow > 0 {
		if h, ok := s.hot.get(id, s.clk.Now().UnixNano()-int64(s.cfg.HotWindow)); ok {
			if h.queue != queue {
				s.st.readMisses.Add(1)
				return Entry{}, 0, ErrNotFound
			}
			s.st.reads[TierHot].Add(1)
			return Entry{Queue: queue, ID: id, TimeMs: h.timeMs, Payload: slices.Clone(h.payload)}, TierHot, nil
		}
	}
	e, ok := s.idx.lookup(queue, id)
	var seg *segment
	if ok {
		seg = s.segment(e.seg)
	}
	if seg == nil {
		s.st.readMisses.Add(1)
		return Entry{}, 0, ErrNotFound
	}
	r, tier, err := seg.read(e.off, e.size)
	if err == nil && (r.id != id || string(r.queue) != queue) {
		err = fmt.Errorf("%w: %s at %d holds id %d of %q", ErrCorrupt, seg.path, e.off, r.id, r.queue)
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			s.st.readMisses.Add(1)
		}
		return Entry{}, tier, err
	}
	s.st.reads[tier].Add(1)
	return Entry{Queue: queue, ID: id, TimeMs: r.timeMs, Payload: r.payload}, tier, nil
}

// segment returns the live segment seq, or nil.
func (s *Store) segment(seq uint32) *segment {
	s.segMu.RLock()
	defer s.segMu.RUnlock()
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].seq >= seq })
	if i < len(s.segs) && s.segs[i].seq == seq {
		return s.segs[i]
	}
	return nil
}

// addSegment appends a new active segment and demotes mapped segments beyond
// the newest WarmSegments to cold.
func (s *Store) addSegment(seg *segment) {
	s.segMu.Lock()
	s.segs = append(s.segs, seg)
	var cold *segment
	if n := len(s.segs) - s.cfg.WarmSegments; n > 0 {
		cold = s.segs[n-1]
	}
	s.segMu.Unlock()
	if cold != nil {
		if err := cold.demote(); err != nil {
			s.log.Warn("push store: munmap failed", "segment", cold.path, "err", err)
		}
	}
}

// Close stops the background loop, lets the committer finish what was
// submitted, trims the active segment's preallocated space and closes the
// files. Calls after Close return ErrClosed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.stopMaintain()
		<-s.maintainDone
		s.reqs.close()
		<-s.writerDone
		s.closeErr = s.w.finish()
	})
	return s.closeErr
}

// finish runs after the committer stopped: sync and trim the active segment,
// then close every segment.
func (w *writer) finish() error {
	var errs []error
	if w.failed == nil {
		if w.s.cfg.Sync == SyncFsync {
			if err := w.sync(); err != nil {
				errs = append(errs, err)
			}
		}
		if err := w.active.f.Truncate(w.off); err != nil {
			errs = append(errs, fmt.Errorf("trim %s: %w", w.active.path, err))
		}
	}
	s := w.s
	s.segMu.Lock()
	segs := s.segs
	s.segMu.Unlock()
	for _, seg := range segs {
		if err := seg.close(false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
