package push

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/toplab/toplab/system/tmc"
)

// source is where a holder leases a queue's messages: the owner in this
// process, or another node's owner over the internal API.
type source interface {
	Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error)
	// ConfirmMany confirms the ids of one or more queues of the source's
	// owner in one call and returns how many were newly confirmed.
	ConfirmMany(ctx context.Context, items []IDsArgs) (int, error)
	Release(ctx context.Context, queue string, ids []int64) error
}

// localSource is the owner of this node as a source.
type localSource struct{ o *Owner }

func (s localSource) Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error) {
	return s.o.Lease(ctx, queue, max, wait)
}
func (s localSource) ConfirmMany(ctx context.Context, items []IDsArgs) (int, error) {
	return s.o.ConfirmMany(ctx, items)
}
func (s localSource) Release(_ context.Context, queue string, ids []int64) error {
	s.o.Release(queue, ids)
	return nil
}

// leaseBatch bounds one lease call.
const leaseBatch = 256

// dispatcher feeds one queue's messages to this node's connections of that
// queue: it leases as many as their free window slots, spreads them round
// robin, and batches their confirms back to the owner.
type dispatcher struct {
	queue string
	src   source
	hub   *hub
	seq   uint64 // the hub's number for it: its turn in the sweeps

	mu       sync.Mutex
	sessions []*session
	rr       int
	running  bool // a lease loop is running
	again    bool // something changed while it ran
	releases []int64
}

// kick makes sure a lease loop runs soon.
func (d *dispatcher) kick() {
	d.mu.Lock()
	if d.running {
		d.again = true
		d.mu.Unlock()
		return
	}
	d.running = true
	d.mu.Unlock()
	d.hub.pool.Go(d.run)
}

func (d *dispatcher) run() {
	ctx := context.Background()
	for {
		now := d.hub.clock.Now().UnixMilli()
		d.mu.Lock()
		d.again = false
		free := 0
		for _, s := range d.sessions {
			free += s.free(now, d.hub.window)
		}
		d.mu.Unlock()
		got := 0
		if free > 0 {
			msgs, err := d.src.Lease(ctx, d.queue, min(free, leaseBatch), 0)
			if err != nil {
				d.hub.stats.LeaseErrors.Add(1)
				d.hub.log.LogAttrs(ctx, slog.LevelWarn, "push: lease", slog.String("queue", d.queue), slog.Any("err", err))
			}
			got = len(msgs)
			d.deliver(msgs)
			if err == nil && got == min(free, leaseBatch) {
				continue // there may be more
			}
		}
		d.mu.Lock()
		if !d.again {
			d.running = false
			d.mu.Unlock()
			d.flushReleases(ctx)
			return
		}
		d.mu.Unlock()
	}
}

// deliver assigns leased messages to sessions with free slots and sends them.
func (d *dispatcher) deliver(msgs []Leased) {
	if len(msgs) == 0 {
		return
	}
	now := d.hub.clock.Now().UnixMilli()
	type send struct {
		s *session
		l *Leased
	}
	sends := make([]send, 0, len(msgs))
	d.mu.Lock()
	for i := range msgs {
		s := d.nextFree(now)
		if s == nil {
			d.releases = append(d.releases, msgs[i].ID)
			continue
		}
		s.track(msgs[i].ID, msgs[i].Deadline)
		sends = append(sends, send{s, &msgs[i]})
	}
	d.mu.Unlock()
	for _, x := range sends {
		if err := x.s.sendMessage(x.l, now); err != nil {
			d.hub.stats.SendErrors.Add(1) // the connection closes; its leases are released then
		}
	}
}

// nextFree picks the next session round robin that has a free slot; the
// caller holds mu.
func (d *dispatcher) nextFree(now int64) *session {
	for range d.sessions {
		d.rr = (d.rr + 1) % len(d.sessions)
		if s := d.sessions[d.rr]; s.free(now, d.hub.window) > 0 {
			return s
		}
	}
	return nil
}

// confirm records a client's confirm of id, frees its slot and queues the
// confirm for the owner. A lease loop runs again only when the slot freed
// was the session's last: a session with room left took everything the
// queue had at the last run, and a new message kicks the loop itself.
func (d *dispatcher) confirm(s *session, id int64) {
	d.mu.Lock()
	full := len(s.inflight) >= d.hub.window
	known := s.untrack(id)
	d.mu.Unlock()
	d.hub.confirms.add(d.src, d.queue, id)
	if !known {
		d.hub.stats.ConfirmsUnknown.Add(1)
		return
	}
	if full {
		d.kick()
	}
}

// add puts a session into the rotation; the caller kicks.
func (d *dispatcher) add(s *session) {
	d.mu.Lock()
	d.sessions = append(d.sessions, s)
	d.mu.Unlock()
}

// remove detaches a closed session and queues its unconfirmed messages for
// release (flushReleases gives them back for immediate redelivery); it
// reports whether no session is left.
func (d *dispatcher) remove(s *session) (empty bool) {
	d.mu.Lock()
	for i, x := range d.sessions {
		if x == s {
			d.sessions = append(d.sessions[:i], d.sessions[i+1:]...)
			break
		}
	}
	d.releases = append(d.releases, s.drain()...)
	empty = len(d.sessions) == 0
	d.mu.Unlock()
	return empty
}

func (d *dispatcher) flushReleases(ctx context.Context) {
	d.mu.Lock()
	ids := d.releases
	d.releases = nil
	d.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := d.src.Release(ctx, d.queue, ids); err != nil {
		d.hub.log.Warn("push: release", "queue", d.queue, "ids", len(ids), "err", err) // they come back after the ack timeout
	}
}

// expireSlots frees the slots of messages past their deadline (the owner
// redelivers them); called by the hub's sweeper.
func (d *dispatcher) expireSlots(now int64) (freed bool) {
	d.mu.Lock()
	for _, s := range d.sessions {
		before := len(s.inflight)
		s.expire(now)
		if len(s.inflight) < before {
			freed = true
		}
	}
	d.mu.Unlock()
	return freed
}

// dataFrame is the storage for encoding one data SEND, recycled through
// dataFrames: the socket copies what it sends into its own buffer, so the
// bytes are free again once Send returns. A fresh frame and buffer per
// message were a quarter of a push node's allocations.
type dataFrame struct {
	f tmc.Frame
	b []byte
}

var dataFrames = sync.Pool{New: func() any { return &dataFrame{f: tmc.Frame{Custom: make([]tmc.Header, 0, 12)}} }}

// release puts x back in the pool, without the buffer of a rare large
// message (the pool would keep it forever).
func (x *dataFrame) release() {
	if cap(x.b) > 64<<10 {
		x.b = nil
	}
	dataFrames.Put(x)
}

// encode writes a leased message as the client's data SEND; the bytes are
// valid until the dataFrame goes back to the pool.
func (x *dataFrame) encode(l *Leased, nowMs int64) ([]byte, error) {
	var m Message
	if err := decodePayload(l.Payload, &m); err != nil {
		return nil, err
	}
	m.toTMC(l.ID, nowMs).FillFrame(&x.f)
	var err error
	x.b, err = tmc.AppendFrame(x.b[:0], &x.f)
	x.f.Reset() // no references to the message's strings while pooled
	return x.b, err
}
