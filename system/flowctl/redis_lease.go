package flowctl

import (
	"context"
	"unsafe"

	"github.com/maypok86/otter/v2"
)

// Leased is the cluster-wide limiter that keeps Redis off the hot path: each
// node leases a share of every window's limit from a pool in Redis and counts
// against its lease locally.
//
// Shares follow demand. Every lease request reports the node's calls in the
// last interval; Redis splits by those reports: a window's first lease is the
// node's demand-weighted share of the limit, a top-up (when the lease runs
// out) its share of what is left, so the pool drains in a few rounds and is
// never exceeded. Windows no longer than the interval (per-second) start a
// new lease each window; longer ones (minute, day) lease about two intervals
// of demand at a time, and every interval each node tops its lease up or
// gives back the surplus, and gives back all of it when the key goes idle,
// is evicted or the limiter closes. A node that dies keeps its unused lease
// out of the pool until the window ends.
//
// Every lease's keys carry their own hash tag (the counter name), so on
// Redis Cluster the pools spread over the shards; no script touches two
// counters. Traffic groups are enforced locally within the node's lease of
// the API's per-second window. While Redis is unreachable, valid leases are
// still used; calls that need Redis go to the local fallback.
type Leased struct {
	*cluster
	leases *otter.Cache[string, *lease]
}

var (
	_ Limiter     = (*Leased)(nil)
	_ StatsSource = (*Leased)(nil)
)

// NewLeased returns a leasing cluster-wide limiter and starts its heartbeat
// and rebalancing loop.
func NewLeased(cfg RedisConfig) (*Leased, error) {
	c, err := newCluster(cfg)
	if err != nil {
		return nil, err
	}
	l := &Leased{cluster: c}
	l.leases, err = otter.New(&otter.Options[string, *lease]{
		MaximumSize: c.cfg.MaxKeys,
		OnDeletion: func(e otter.DeletionEvent[string, *lease]) {
			l.giveBack(e.Value, ^uint32(0))
		},
	})
	if err != nil {
		return nil, err
	}
	c.start(l.rebalance)
	return l, nil
}

// SetRules replaces the rules atomically; leases are by name and survive.
func (l *Leased) SetRules(r *Rules) error { return l.setRules(r) }

// Stats returns the limiter's counters, fallback decisions included.
func (l *Leased) Stats() Stats {
	s := l.snapshot()
	s.Keys = l.leases.EstimatedSize()
	return s
}

// Close stops the loop, gives every unused lease back and deregisters the
// node. It does not close the client.
func (l *Leased) Close() {
	l.close(func() {
		for x := range l.leases.Values() {
			l.giveBack(x, ^uint32(0))
		}
		l.leases.InvalidateAll() // nothing left to give back
		l.leases.StopAllGoroutines()
	})
}

// maxTries bounds the top-ups one decision asks for when concurrent calls
// keep taking the units a top-up brought; past it the call is refused.
const maxTries = 8

// Allow counts the call against this node's leases, asking Redis only when a
// lease is missing, expired or used up.
func (l *Leased) Allow(ctx context.Context, k Key) Decision {
	rs := l.rules.Load()
	var p plan
	rs.plan(k, &p)
	if p.n == 0 {
		return allowed
	}
	now := l.cfg.Clock.Now().UnixNano()
	d, err := l.decide(ctx, rs, &p, k, now)
	if err != nil {
		return l.fb.allow(ctx, k, &l.stats)
	}
	return d
}

// decide checks every lease, refreshing those that need it, then takes a
// unit of each, topping up a lease that concurrent calls emptied meanwhile.
// A refusal gives back the units already taken.
func (l *Leased) decide(ctx context.Context, rs *ruleset, p *plan, k Key, now int64) (Decision, error) {
	var (
		ls  [maxChecks]*lease
		ws  [maxChecks]*leaseWindow
		gid uint32
		err error
	)
	for i := range p.n {
		c := &p.c[i]
		x := l.leaseOf(c, k)
		x.attempts.Add(1)
		ls[i] = x
		w := x.cur.Load()
		g, u := x.load()
		if w == nil || now >= w.end || (u >= g && !w.dryFor(c.limit)) {
			if w, err = l.refresh(ctx, x, c, now); err != nil {
				return Decision{}, err
			}
			g, u = x.load()
		}
		ws[i] = w
		if u >= g && w.dryFor(c.limit) {
			return l.refuse(c, w.end, now), nil
		}
		if c.gs != nil {
			gid = rs.days.spanOf(winSecond, now).id
			if !c.gs.allows(c.gl, c.gi, gid, g) {
				return l.refuse(c, w.end, now), nil
			}
		}
	}
	var gtook uint32
	for i := range p.n {
		c, x := &p.c[i], ls[i]
		ok := false
		for try := 0; !ok; try++ {
			if ok = x.take(); ok || ws[i].dryFor(c.limit) || try == maxTries {
				break
			}
			if ws[i], err = l.refresh(ctx, x, c, now); err != nil {
				l.untakeAll(p, ls, i, gtook)
				return Decision{}, err
			}
		}
		if ok && c.gs != nil {
			g, _ := x.load()
			if gtook, ok = c.gs.tryAdd(c.gl, c.gi, gid, g); !ok {
				x.untake()
			}
		}
		if !ok {
			l.untakeAll(p, ls, i, gtook)
			return l.refuse(c, ws[i].end, now), nil
		}
	}
	return allowed, nil
}

// untakeAll gives back the units taken for the first n checks.
func (l *Leased) untakeAll(p *plan, ls [maxChecks]*lease, n int, gtook uint32) {
	for j := range n {
		ls[j].untake()
		if c := &p.c[j]; c.gs != nil {
			c.gs.undo(c.gi, gtook)
		}
	}
}

func (l *Leased) refuse(c *check, end, now int64) Decision {
	l.stats.rejected[c.dim].Add(1)
	return l.bans.reject(c.dim, c.win, end, now)
}

// leaseOf returns the lease of check c for k, creating it on first use.
func (l *Leased) leaseOf(c *check, k Key) *lease {
	name := c.name
	if name == "" {
		var buf [nameBuf]byte
		b := appendName(buf[:0], c.dim, c.win, k.App, k.API)
		if x, ok := l.leases.GetIfPresent(unsafe.String(unsafe.SliceData(b), len(b))); ok {
			return x
		}
		name = string(b)
	} else if x, ok := l.leases.GetIfPresent(name); ok {
		return x
	}
	x, _ := l.leases.SetIfAbsent(name, &lease{name: name, win: c.win})
	return x
}
