package metacache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
)

// entry is a cached lookup: a value, or the memory that it does not exist.
type entry[T meta.Object] struct {
	v     T
	found bool
}

// level caches one kind across the three levels.
type level[T meta.Object] struct {
	c      *Cache
	kind   meta.Kind
	bloom  *bloomSet // nil: the kind is not guarded by the filter
	local  *otter.Cache[string, *entry[T]]
	loader otter.Loader[string, *entry[T]]
	// counters resolved once: the hit path does no map lookups
	hitLocal, hitNegative *atomic.Int64
}

func newLevel[T meta.Object](c *Cache, bloom *bloomSet) *level[T] {
	var zero T
	l := &level[T]{c: c, kind: zero.Kind(), bloom: bloom,
		hitLocal: c.stats.hits[zero.Kind()]["local"], hitNegative: c.stats.hits[zero.Kind()]["negative"]}
	l.loader = otter.LoaderFunc[string, *entry[T]](l.load)
	// On the wall clock, a coarse clock (one time read per 10 ms) keeps the
	// clock read, costly on virtual machines, off the hit path; TTLs are seconds.
	otterClock := otter.Clock(c.coarse)
	if _, real := c.cfg.Clock.(clock.Real); !real {
		otterClock = clock.Nano{Clock: c.cfg.Clock}
	}
	l.local = otter.Must(&otter.Options[string, *entry[T]]{
		MaximumSize: int(c.cfg.MaxEntries),
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *entry[T]]) time.Duration {
			if !e.Value.found {
				return c.cfg.NegativeTTL
			}
			return c.jittered(c.cfg.TTL)
		}),
		RefreshCalculator: otter.RefreshWritingFunc(func(otter.Entry[string, *entry[T]]) time.Duration {
			return c.jittered(c.cfg.RefreshAfter)
		}),
		Clock: otterClock,
	})
	return l
}

// get serves from the local level; a miss loads once through the lower
// levels, a stale hit is served while a background refresh runs.
func (l *level[T]) get(ctx context.Context, id string) (T, error) {
	e, err := l.local.Get(ctx, id, l.loader)
	if err != nil {
		var zero T
		if errors.Is(err, otter.ErrNotFound) {
			return zero, fmt.Errorf("%w: %s %s", meta.ErrNotFound, l.kind, id)
		}
		return zero, err
	}
	if !e.found {
		l.hitNegative.Add(1)
		var zero T
		return zero, fmt.Errorf("%w: %s %s", meta.ErrNotFound, l.kind, id)
	}
	l.hitLocal.Add(1)
	return e.v, nil
}

// load runs on a local miss or a refresh: Bloom filter, Redis, store.
func (l *level[T]) load(ctx context.Context, id string) (*entry[T], error) {
	if l.bloom != nil && !l.bloom.test(l.kind, id) {
		l.c.stats.BloomRejections.Add(1)
		return nil, otter.ErrNotFound // unknown for sure: not cached, so a flood of random keys evicts nothing
	}
	if rc := l.c.cfg.Redis; rc != nil {
		if e, ok := l.loadRedis(ctx, rc, id); ok {
			return e, nil
		}
	}
	rec, err := l.c.cfg.Store.Get(ctx, l.kind, id)
	if errors.Is(err, meta.ErrNotFound) {
		l.c.stats.loaded(l.kind, "missing")
		return &entry[T]{}, nil // a Bloom false positive or a deleted key: remembered briefly
	}
	if err != nil {
		l.c.stats.LoadErrors.Add(1)
		return nil, err
	}
	v, err := meta.Decode[T](rec)
	if err != nil {
		return nil, err
	}
	l.c.stats.loaded(l.kind, "store")
	if rc := l.c.cfg.Redis; rc != nil {
		ttl := l.c.jittered(l.c.cfg.TTL)
		if err := rc.Do(ctx, rc.B().Set().Key(redisKey(l.c.cfg.RedisPrefix, l.kind, id)).Value(string(rec.Body)).Px(ttl).Build()).Error(); err != nil {
			l.c.cfg.Logger.Warn("metacache: fill redis", "kind", l.kind, "err", err)
		}
	}
	return &entry[T]{v: v, found: true}, nil
}

func (l *level[T]) loadRedis(ctx context.Context, rc rueidis.Client, id string) (*entry[T], bool) {
	body, err := rc.Do(ctx, rc.B().Get().Key(redisKey(l.c.cfg.RedisPrefix, l.kind, id)).Build()).AsBytes()
	if err != nil {
		if !rueidis.IsRedisNil(err) {
			l.c.cfg.Logger.Warn("metacache: redis level unavailable, reading the store", "err", err)
		}
		return nil, false
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, false
	}
	l.c.stats.loaded(l.kind, "redis")
	return &entry[T]{v: v, found: true}, true
}

// changed refreshes id in the background if it is cached: readers keep the
// old value until the new one is in, and none of them waits.
func (l *level[T]) changed(ctx context.Context, id string) {
	if _, ok := l.local.GetIfPresent(id); !ok {
		return
	}
	l.c.stats.Refreshes.Add(1)
	l.local.Refresh(ctx, id, l.loader)
}

func (l *level[T]) stop() { l.local.StopAllGoroutines() }

func redisKey(prefix string, kind meta.Kind, id string) string {
	return prefix + string(kind) + ":" + id
}
