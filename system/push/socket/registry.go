package socket

import "sync"

// registry holds the open connections in shards, so opens and closes on
// different cores rarely meet on one lock and the sweeper holds each lock
// only for its shard.
type registry struct {
	shards [64]struct {
		mu    sync.Mutex
		conns map[uint64]*Conn
		_     [40]byte // keep shards on separate cache lines
	}
}

func newRegistry() *registry {
	r := new(registry)
	for i := range r.shards {
		r.shards[i].conns = make(map[uint64]*Conn)
	}
	return r
}

func (r *registry) add(c *Conn) {
	s := &r.shards[c.id%uint64(len(r.shards))]
	s.mu.Lock()
	s.conns[c.id] = c
	s.mu.Unlock()
}

func (r *registry) remove(c *Conn) {
	s := &r.shards[c.id%uint64(len(r.shards))]
	s.mu.Lock()
	delete(s.conns, c.id)
	s.mu.Unlock()
}

// collect appends the connections keep selects, one shard locked at a time.
func (r *registry) collect(dst []*Conn, keep func(*Conn) bool) []*Conn {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for _, c := range s.conns {
			if keep(c) {
				dst = append(dst, c)
			}
		}
		s.mu.Unlock()
	}
	return dst
}
