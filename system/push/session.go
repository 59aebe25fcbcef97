package push

import (
	"sync/atomic"

	"github.com/toplab/toplab/system/push/socket"
)

// session is one client connection after its handshake: an app's consumer
// in one group. Its in-flight window is guarded by its dispatcher's mutex.
type session struct {
	conn  *socket.Conn
	hub   *hub
	state atomic.Int32 // sessionNew, sessionConnecting, sessionReady, sessionClosed

	// set by the handshake, read-only after
	app, group, queue, token string
	disp                     *dispatcher // set by hub.attach under hub.mu
	left                     bool        // guarded by hub.mu

	// guarded by disp.mu
	inflight map[int64]int64 // id -> deadline (Unix ms); nil until the first message
	order    []slot          // the same ids in deadline order (confirmed ones are skipped lazily)
	closed   bool
}

const (
	sessionNew int32 = iota
	sessionConnecting
	sessionReady
	sessionClosed
)

type slot struct{ id, deadline int64 }

// free is the number of messages the session may still take.
func (s *session) free(now int64, window int) int {
	s.expire(now)
	if s.closed {
		return 0
	}
	return max(window-len(s.inflight), 0)
}

// expire drops past-deadline ids (their slots are free again: the owner
// redelivers them, so a full window never holds up redelivery) and skips
// confirmed ones at the head.
func (s *session) expire(now int64) {
	for len(s.order) > 0 {
		h := s.order[0]
		dl, ok := s.inflight[h.id]
		live := ok && dl == h.deadline
		if live && h.deadline > now {
			break
		}
		if live {
			delete(s.inflight, h.id)
			s.hub.stats.SlotsExpired.Add(1)
		}
		s.order = s.order[1:]
	}
	if len(s.order) == 0 && cap(s.order) > 64 {
		s.order = nil
	}
}

func (s *session) track(id, deadline int64) {
	if s.inflight == nil {
		s.inflight = make(map[int64]int64, 4)
	}
	s.inflight[id] = deadline
	s.order = append(s.order, slot{id, deadline})
}

func (s *session) untrack(id int64) bool {
	_, ok := s.inflight[id]
	delete(s.inflight, id)
	return ok
}

// drain closes the window and returns what was in it.
func (s *session) drain() []int64 {
	ids := make([]int64, 0, len(s.inflight))
	for id := range s.inflight {
		ids = append(ids, id)
	}
	s.inflight, s.order, s.closed = nil, nil, true
	return ids
}

func (s *session) sendMessage(l *Leased, nowMs int64) error {
	x := dataFrames.Get().(*dataFrame)
	defer x.release()
	b, err := x.encode(l, nowMs)
	if err != nil {
		s.hub.log.Error("push: undecodable stored message", "queue", s.queue, "id", l.ID, "err", err)
		return err
	}
	if err := s.conn.Send(b); err != nil {
		return err
	}
	s.hub.stats.Pushed.Add(1)
	return nil
}
