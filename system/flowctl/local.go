package flowctl

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/maypok86/otter/v2"

	"github.com/toplab/toplab/system/clock"
)

// DefaultMaxKeys bounds the counters of default rules a Local keeps.
const DefaultMaxKeys = 1 << 20

// LocalConfig configures a Local limiter; the zero value is usable.
type LocalConfig struct {
	// Clock tells the time; nil means the wall clock. On the wall clock (nil
	// or clock.Real) decisions read a 1 ms coarse clock (see coarseClock).
	Clock clock.Clock
	// MaxKeys bounds the counters of default rules (one per app or app x API
	// pair seen); default DefaultMaxKeys. Cold counters are evicted first
	// (W-TinyLFU); an evicted counter starts again from zero.
	MaxKeys int
	// Rules are the initial rules; nil means no limits until SetRules.
	Rules *Rules

	executor func(func()) // otter's executor; tests run maintenance inline
}

// Local is the single-machine limiter.
type Local struct {
	clk    clock.Clock
	coarse *coarseClock // nil unless clk is the wall clock
	rules  atomic.Pointer[ruleset]
	dyn    *otter.Cache[string, *counter]
	bans   *bans
	mu     sync.Mutex // serialises SetRules
	stats  stats
}

var (
	_ Limiter     = (*Local)(nil)
	_ StatsSource = (*Local)(nil)
)

// NewLocal returns a Local limiter.
func NewLocal(cfg LocalConfig) (*Local, error) {
	if err := cfg.Rules.Validate(); err != nil {
		return nil, fmt.Errorf("flowctl: %w", err)
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	dyn, err := otter.New(&otter.Options[string, *counter]{MaximumSize: maxKeys, Executor: cfg.executor})
	if err != nil {
		return nil, fmt.Errorf("flowctl: counter cache: %w", err)
	}
	l := &Local{clk: clock.Or(cfg.Clock), dyn: dyn, bans: newBans()}
	if _, real := l.clk.(clock.Real); real {
		l.coarse = theCoarseClock()
	}
	l.rules.Store(compile(cfg.Rules, nil))
	return l, nil
}

// SetRules replaces the rules atomically; counters whose window and name are
// unchanged keep their counts.
func (l *Local) SetRules(r *Rules) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("flowctl: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rules.Store(compile(r, l.rules.Load()))
	return nil
}

// Rules returns the rules in force.
func (l *Local) Rules() *Rules { return l.rules.Load().rules }

// Allow decides on one call and, when it passes, counts it in every window.
func (l *Local) Allow(_ context.Context, k Key) Decision {
	rs := l.rules.Load()
	var p plan
	rs.plan(k, &p)
	if p.n == 0 {
		return allowed
	}
	return l.decide(rs, k, &p, l.now())
}

// now is the decision time in Unix nanoseconds.
func (l *Local) now() int64 {
	if c := l.coarse; c != nil {
		if n, ok := c.coarse(); ok {
			return n
		}
	}
	return l.preciseNow()
}

func (l *Local) preciseNow() int64 {
	if l.coarse != nil {
		return l.coarse.precise()
	}
	return l.clk.Now().UnixNano()
}

// decide checks every window of p first and counts only when all pass; if a
// window fills between the check and the count (a concurrent call took the
// last unit), the units already taken are given back.
func (l *Local) decide(rs *ruleset, k Key, p *plan, now int64) Decision {
	if p.n == 1 {
		return l.decideOne(rs, k, &p.c[0], now)
	}
	var (
		ctrs  [maxChecks]*counter
		spans [maxChecks]span
	)
	for i := range p.n {
		c := &p.c[i]
		spans[i] = rs.days.spanOf(c.win, now)
		if c.gs != nil {
			if !c.gs.allows(c.gl, c.gi, spans[i].id, c.limit) {
				return l.refuse(c, spans[i].end, now)
			}
			continue
		}
		ctr := c.c
		if ctr == nil {
			ctr = l.counterOf(c, k)
		}
		ctrs[i] = ctr
		if ctr.count(spans[i].id) >= c.limit {
			return l.refuse(c, spans[i].end, now)
		}
	}
	var took [maxChecks]uint32
	for i := range p.n {
		c := &p.c[i]
		var ok bool
		if c.gs != nil {
			took[i], ok = c.gs.tryAdd(c.gl, c.gi, spans[i].id, c.limit)
		} else {
			took[i], ok = ctrs[i].tryAdd(spans[i].id, c.limit)
		}
		if !ok {
			for j := range i {
				if g := &p.c[j]; g.gs != nil {
					g.gs.undo(g.gi, took[j])
				} else {
					ctrs[j].undo(took[j])
				}
			}
			return l.refuse(c, spans[i].end, now)
		}
	}
	return allowed
}

// decideOne is decide on one window: its check-and-count is one step, which
// consumes nothing when it refuses.
func (l *Local) decideOne(rs *ruleset, k Key, c *check, now int64) Decision {
	sp := rs.days.spanOf(c.win, now)
	var ok bool
	if c.gs != nil {
		_, ok = c.gs.tryAdd(c.gl, c.gi, sp.id, c.limit)
	} else {
		ctr := c.c
		if ctr == nil {
			ctr = l.counterOf(c, k)
		}
		_, ok = ctr.tryAdd(sp.id, c.limit)
	}
	if !ok {
		return l.refuse(c, sp.end, now)
	}
	return allowed
}

func (l *Local) refuse(c *check, end, now int64) Decision {
	l.stats.rejected[c.dim].Add(1)
	return l.bans.reject(c.dim, c.win, end, now)
}

// nameBuf fits the names of almost all counters, so looking one up does not allocate.
const nameBuf = 160

// counterOf returns the counter of a default rule's window for k, creating it
// on first use. The lookup uses a name built on the stack; only a new counter
// copies the name to the heap.
func (l *Local) counterOf(c *check, k Key) *counter {
	var buf [nameBuf]byte
	b := appendName(buf[:0], c.dim, c.win, k.App, k.API)
	if ctr, ok := l.dyn.GetIfPresent(unsafe.String(unsafe.SliceData(b), len(b))); ok {
		return ctr
	}
	ctr, _ := l.dyn.SetIfAbsent(string(b), new(counter))
	return ctr
}

// Stats returns the limiter's counters.
func (l *Local) Stats() Stats {
	s := l.stats.snapshot()
	s.Keys = l.dyn.EstimatedSize()
	return s
}
