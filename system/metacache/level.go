package metacache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/maypok86/otter/v2"
	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/meta"
)

// entry is a cached lookup: a value, or the memory that it does not exist.
// The local level keeps its deadlines itself, on the cache's clock (Unix ns):
// an otter cache with expiry records every read in its read buffer, which
// costs the hit path more than the two compares here.
type entry[T meta.Object] struct {
	expiresAt int64 // a read at or after it loads again (TTL or NegativeTTL, jittered)
	// refreshAt is when a read starts a background refresh. The read that
	// finds it due moves it forward with a CAS, so one due entry starts one
	// refresh however many readers see it.
	refreshAt atomic.Int64
	seq       uint64 // order of the fetch that made it: a refresh replaces only older entries
	found     bool
	v         T
}

// level caches one kind across the three levels.
type level[T meta.Object] struct {
	c      *Cache
	kind   meta.Kind
	bloom  *bloomSet // nil: the kind is not guarded by the filter
	local  *otter.Cache[string, *entry[T]]
	loader otter.Loader[string, *entry[T]]
	seq    atomic.Uint64 // fetches started
	none   *entry[T]     // what get returns with an error: the zero value, copied without a branch
	// counters resolved once: the hit path does no map lookups
	hitLocal, hitNegative *counter
}

func newLevel[T meta.Object](c *Cache, bloom *bloomSet) *level[T] {
	var zero T
	l := &level[T]{c: c, kind: zero.Kind(), bloom: bloom, none: &entry[T]{},
		hitLocal: c.stats.hits[zero.Kind()]["local"], hitNegative: c.stats.hits[zero.Kind()]["negative"]}
	l.loader = otter.LoaderFunc[string, *entry[T]](l.fetch)
	// Size-bounded only: expiry and refresh are the entries' own (see entry).
	l.local = otter.Must(&otter.Options[string, *entry[T]]{MaximumSize: int(c.cfg.MaxEntries)})
	return l
}

// get serves from the local level; a miss or an expired entry loads once
// through the lower levels, a stale hit is served while a background refresh
// runs. It returns the entry, not its value, so the caller copies the value
// once; with an error the entry is none.
func (l *level[T]) get(ctx context.Context, id string) (*entry[T], error) {
	e, ok := l.local.GetIfPresent(id)
	if !ok {
		return l.load(ctx, id)
	}
	now := l.c.nowNano()
	if now >= e.expiresAt {
		l.forget(id, e)
		return l.load(ctx, id)
	}
	if now >= e.refreshAt.Load() {
		l.refreshDue(ctx, id, e, now)
	}
	if !e.found {
		return l.none, l.negativeHit(id)
	}
	l.hitLocal.add()
	return e, nil
}

// load is get on a local miss: otter's Get fetches the key once for all the
// readers that miss it together.
func (l *level[T]) load(ctx context.Context, id string) (*entry[T], error) {
	e, err := l.local.Get(ctx, id, l.loader)
	if err != nil {
		if errors.Is(err, otter.ErrNotFound) {
			return l.none, l.notFound(id)
		}
		return l.none, err
	}
	if !e.found {
		return l.none, l.negativeHit(id)
	}
	l.hitLocal.add()
	return e, nil
}

func (l *level[T]) negativeHit(id string) error {
	l.hitNegative.add()
	return l.notFound(id)
}

func (l *level[T]) notFound(id string) error {
	return fmt.Errorf("%w: %s %s", meta.ErrNotFound, l.kind, id)
}

// newEntry is a fetched lookup with its deadlines from now.
func (l *level[T]) newEntry(seq uint64, v T, found bool) *entry[T] {
	now, c := l.c.nowNano(), l.c
	e := &entry[T]{seq: seq, found: found, v: v, expiresAt: now + int64(c.cfg.NegativeTTL)}
	if found {
		e.expiresAt = now + int64(c.jittered(c.cfg.TTL))
	}
	e.refreshAt.Store(now + int64(c.jittered(c.cfg.RefreshAfter)))
	return e
}

// fetch runs on a local miss or a refresh: Bloom filter, Redis, store.
func (l *level[T]) fetch(ctx context.Context, id string) (*entry[T], error) {
	seq := l.seq.Add(1)
	if l.bloom != nil && !l.bloom.test(l.kind, id) {
		l.c.stats.BloomRejections.Add(1)
		return nil, otter.ErrNotFound // unknown for sure: not cached, so a flood of random keys evicts nothing
	}
	if rc := l.c.cfg.Redis; rc != nil {
		if e, ok := l.loadRedis(ctx, rc, seq, id); ok {
			return e, nil
		}
	}
	rec, err := l.c.cfg.Store.Get(ctx, l.kind, id)
	if errors.Is(err, meta.ErrNotFound) {
		l.c.stats.loaded(l.kind, "missing")
		var zero T
		return l.newEntry(seq, zero, false), nil // a Bloom false positive or a deleted key: remembered briefly
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
	return l.newEntry(seq, v, true), nil
}

func (l *level[T]) loadRedis(ctx context.Context, rc rueidis.Client, seq uint64, id string) (*entry[T], bool) {
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
	return l.newEntry(seq, v, true), true
}

func redisKey(prefix string, kind meta.Kind, id string) string {
	return prefix + string(kind) + ":" + id
}
