// Package metacache is the gateway's rich-client metadata cache, three
// levels deep: a local W-TinyLFU cache (otter) that serves the stale value
// while it refreshes in the background, an optional distributed level in
// Redis, and the metadata store. A Bloom filter of existing app keys and
// sessions answers unknown ones without touching the lower levels (cache
// penetration); concurrent misses of one key load once (breakdown); TTLs
// carry jitter so entries do not expire together (avalanche). Changes
// announced on the coordination layer refresh the affected key on every node.
package metacache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
)

// Topic is the coordination topic carrying metadata change notices.
const Topic = "meta"

// KindBulk announces a bulk write (load-test seeding): caches re-read the
// ids the Bloom filter guards instead of receiving one notice per object.
const KindBulk meta.Kind = "bulk"

// Config configures a Cache; the zero value of each field is its default.
type Config struct {
	Store meta.Store     // required: the bottom level
	Redis rueidis.Client // optional distributed level
	Coord coord.Coord    // change notices; nil means no cross-node invalidation
	Clock clock.Clock

	RefreshAfter time.Duration // default 30 s: after this a read triggers an async refresh
	TTL          time.Duration // default 10 min: hard expiry, jittered by ±Jitter
	NegativeTTL  time.Duration // default 5 s: how long "not found" is remembered
	Jitter       float64       // default 0.1
	MaxEntries   uint64        // default 1,000,000 per kind
	BloomKeys    uint          // expected app keys plus sessions, default 1,000,000
	BloomFP      float64       // default 0.01
	RedisPrefix  string        // default "toplab:meta:"
	Logger       *slog.Logger

	executor func(func()) // runs background refreshes; default a goroutine each; tests record them
}

func (c *Config) defaults() {
	c.Clock = clock.Or(c.Clock)
	setDur(&c.RefreshAfter, 30*time.Second)
	setDur(&c.TTL, 10*time.Minute)
	setDur(&c.NegativeTTL, 5*time.Second)
	if c.Jitter <= 0 || c.Jitter >= 1 {
		c.Jitter = 0.1
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = 1_000_000
	}
	if c.BloomKeys == 0 {
		c.BloomKeys = 1_000_000
	}
	if c.BloomFP <= 0 || c.BloomFP >= 1 {
		c.BloomFP = 0.01
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "toplab:meta:"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.executor == nil {
		c.executor = func(f func()) { go f() }
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Change is the payload of a change notice.
type Change struct {
	Kind meta.Kind `json:"kind"`
	ID   string    `json:"id"`
}

// Cache serves metadata to the request path.
type Cache struct {
	cfg    Config
	stats  *Stats
	bloom  *bloomSet
	coarse *coarseClock // stopped (reads 0) when custom is set
	custom clock.Clock  // the configured clock unless it is the wall clock

	apps     *level[meta.App]
	apis     *level[meta.API]
	sessions *level[meta.Session]
	packages *level[meta.Package]
	// the message service's lookups per message (its router indexes
	// permits and subscriptions itself, following OnChange)
	producers *level[meta.Producer]
	topics    *level[meta.Topic]

	sweepStop, sweepDone chan struct{} // nil until the sweeper starts
	closeOnce            sync.Once

	rulesMu   sync.Mutex
	rules     []meta.FlowRule
	onRules   []func([]meta.FlowRule)
	onChange  map[meta.Kind][]func(string)
	cancelSub context.CancelFunc
}

// New builds the cache: it fills the Bloom filter from the store, loads the
// flow rules and subscribes to change notices.
func New(ctx context.Context, cfg Config) (*Cache, error) {
	if cfg.Store == nil {
		return nil, errors.New("metacache: no store")
	}
	cfg.defaults()
	c := &Cache{cfg: cfg, stats: newStats(), bloom: newBloomSet(cfg.BloomKeys, cfg.BloomFP)}
	if _, real := cfg.Clock.(clock.Real); real {
		c.coarse = newCoarseClock(10 * time.Millisecond)
	} else {
		c.coarse, c.custom = stoppedCoarseClock(), cfg.Clock
	}
	c.apps = newLevel[meta.App](c, c.bloom)
	c.sessions = newLevel[meta.Session](c, c.bloom)
	c.apis = newLevel[meta.API](c, nil)
	c.packages = newLevel[meta.Package](c, nil)
	c.producers = newLevel[meta.Producer](c, nil)
	c.topics = newLevel[meta.Topic](c, nil)
	if err := c.fillBloom(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.reloadRules(ctx); err != nil {
		c.Close()
		return nil, err
	}
	c.startSweeper()
	if cfg.Coord != nil {
		subCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c.cancelSub = cancel
		if err := cfg.Coord.Subscribe(subCtx, Topic, c.onNotice); err != nil {
			cancel()
			c.Close()
			return nil, fmt.Errorf("metacache: subscribe: %w", err)
		}
	}
	return c, nil
}

// Close stops listening for changes and the cache's goroutines.
func (c *Cache) Close() {
	c.closeOnce.Do(func() {
		if c.cancelSub != nil {
			c.cancelSub()
		}
		if c.sweepStop != nil {
			close(c.sweepStop)
			<-c.sweepDone
		}
		c.coarse.Stop()
	})
}

func (c *Cache) fillBloom(ctx context.Context) error {
	if err := meta.Each(ctx, c.cfg.Store, func(a meta.App) error { c.bloom.add(meta.KindApp, a.Key); return nil }); err != nil {
		return fmt.Errorf("metacache: fill bloom with apps: %w", err)
	}
	if err := meta.Each(ctx, c.cfg.Store, func(s meta.Session) error { c.bloom.add(meta.KindSession, s.Key); return nil }); err != nil {
		return fmt.Errorf("metacache: fill bloom with sessions: %w", err)
	}
	return nil
}

// App returns the app with key, or an error wrapping meta.ErrNotFound.
func (c *Cache) App(ctx context.Context, key string) (meta.App, error) {
	e, err := c.apps.get(ctx, key)
	return e.v, err
}

// API returns the API named name.
func (c *Cache) API(ctx context.Context, name string) (meta.API, error) {
	e, err := c.apis.get(ctx, name)
	return e.v, err
}

// Session returns the session with key.
func (c *Cache) Session(ctx context.Context, key string) (meta.Session, error) {
	e, err := c.sessions.get(ctx, key)
	return e.v, err
}

// Package returns the permission package named name.
func (c *Cache) Package(ctx context.Context, name string) (meta.Package, error) {
	e, err := c.packages.get(ctx, name)
	return e.v, err
}

// Producer returns the publishing rights of app.
func (c *Cache) Producer(ctx context.Context, appKey string) (meta.Producer, error) {
	e, err := c.producers.get(ctx, appKey)
	return e.v, err
}

// Topic returns the topic named name.
func (c *Cache) Topic(ctx context.Context, name string) (meta.Topic, error) {
	e, err := c.topics.get(ctx, name)
	return e.v, err
}

// OnChange calls fn after every change notice of kind (also KindBulk), from
// the notice goroutine, e.g. to rebuild an index of all objects of a kind.
func (c *Cache) OnChange(kind meta.Kind, fn func(id string)) {
	c.rulesMu.Lock()
	defer c.rulesMu.Unlock()
	if c.onChange == nil {
		c.onChange = map[meta.Kind][]func(string){}
	}
	c.onChange[kind] = append(c.onChange[kind], fn)
}

// FlowRules returns every flow rule.
func (c *Cache) FlowRules() []meta.FlowRule {
	c.rulesMu.Lock()
	defer c.rulesMu.Unlock()
	return c.rules
}

// OnFlowRules registers fn to get the full rule set now and after every change.
func (c *Cache) OnFlowRules(fn func([]meta.FlowRule)) {
	c.rulesMu.Lock()
	c.onRules = append(c.onRules, fn)
	rules := c.rules
	c.rulesMu.Unlock()
	fn(rules)
}

func (c *Cache) reloadRules(ctx context.Context) error {
	rules, err := meta.All[meta.FlowRule](ctx, c.cfg.Store)
	if err != nil {
		return fmt.Errorf("metacache: load flow rules: %w", err)
	}
	c.rulesMu.Lock()
	c.rules = rules
	subs := append([]func([]meta.FlowRule){}, c.onRules...)
	c.rulesMu.Unlock()
	for _, fn := range subs {
		fn(rules)
	}
	return nil
}

// Store returns the store under the cache.
func (c *Cache) Store() meta.Store { return c.cfg.Store }

// Stats returns the cache's counters.
func (c *Cache) Stats() *Stats { return c.stats }

// Announce tells every node that an object changed: the distributed level
// forgets it first, so nodes that refresh read the store's new value.
func Announce(ctx context.Context, co coord.Coord, rc rueidis.Client, prefix string, kind meta.Kind, id string) error {
	if rc != nil {
		if prefix == "" {
			prefix = "toplab:meta:"
		}
		if err := rc.Do(ctx, rc.B().Del().Key(redisKey(prefix, kind, id)).Build()).Error(); err != nil {
			return fmt.Errorf("metacache: forget %s %s in redis: %w", kind, id, err)
		}
	}
	if co == nil {
		return nil
	}
	payload, _ := json.Marshal(Change{Kind: kind, ID: id})
	return co.Publish(ctx, Topic, payload)
}

func (c *Cache) onNotice(n coord.Notice) {
	var ch Change
	if err := json.Unmarshal(n.Payload, &ch); err != nil {
		c.cfg.Logger.Warn("metacache: bad change notice", "err", err)
		return
	}
	c.stats.Notices.Add(1)
	ctx := context.Background()
	switch ch.Kind {
	case meta.KindApp:
		c.bloom.add(meta.KindApp, ch.ID)
		c.apps.changed(ctx, ch.ID)
	case meta.KindSession:
		c.bloom.add(meta.KindSession, ch.ID)
		c.sessions.changed(ctx, ch.ID)
	case meta.KindAPI:
		c.apis.changed(ctx, ch.ID)
	case meta.KindPackage:
		c.packages.changed(ctx, ch.ID)
	case meta.KindProducer:
		c.producers.changed(ctx, ch.ID)
	case meta.KindTopic:
		c.topics.changed(ctx, ch.ID)
	case meta.KindFlowRule:
		if err := c.reloadRules(ctx); err != nil {
			c.cfg.Logger.Warn("metacache: reload flow rules", "err", err)
		}
	case KindBulk:
		if err := c.fillBloom(ctx); err != nil {
			c.cfg.Logger.Warn("metacache: re-read bloom filter", "err", err)
		}
	}
	c.rulesMu.Lock()
	fns := c.onChange[ch.Kind]
	c.rulesMu.Unlock()
	for _, fn := range fns {
		fn(ch.ID)
	}
}

// nowNano is the cache's time in Unix nanoseconds: on the wall clock the
// coarse clock's, read without a call; else the configured clock's.
func (c *Cache) nowNano() int64 {
	if n := c.coarse.now.Load(); n != 0 {
		return n
	}
	return c.slowNano()
}

// slowNano is nowNano on a configured clock (the coarse clock then never
// runs) or after Close.
func (c *Cache) slowNano() int64 {
	if c.custom == nil {
		return c.coarse.nowNano()
	}
	return c.custom.Now().UnixNano()
}

// jittered spreads d by ±Jitter so entries loaded together expire apart.
func (c *Cache) jittered(d time.Duration) time.Duration {
	f := 1 + c.cfg.Jitter*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}
