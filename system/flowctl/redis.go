package flowctl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
)

// RedisConfig configures the cluster-wide limiters; the zero value of every
// field but Client means the default.
type RedisConfig struct {
	// Client talks to Redis (or Redis Cluster); the caller owns and closes it.
	Client rueidis.Client
	// Clock drives heartbeats, rebalancing and the fallback; nil means the wall clock.
	// Windows themselves follow Redis time.
	Clock clock.Clock
	// Node names this gateway node; default host-pid-random.
	Node string
	// HashTag names the limiter's keys; default "flowctl". It is the Redis
	// Cluster hash tag of all of RedisExact's keys (see RedisExact for why);
	// Leased tags each lease's keys by counter name instead.
	HashTag string
	// Interval paces heartbeats and lease rebalancing, and is how long the
	// limiter stays local after a Redis failure; default 1 s.
	Interval time.Duration
	// Timeout bounds each Redis call; default 200 ms.
	Timeout time.Duration
	// Nodes is the node count assumed until the first heartbeat answers; default 1.
	Nodes int
	// MaxKeys bounds the local counters (fallback) and leases; default DefaultMaxKeys.
	MaxKeys int
	// Logger receives outage and recovery messages; default slog.Default().
	Logger *slog.Logger
	// Rules are the initial rules.
	Rules *Rules

	onTick func() // tests: called after each loop iteration
}

func (c *RedisConfig) defaults() error {
	if c.Client == nil {
		return errors.New("flowctl: RedisConfig.Client is required")
	}
	if err := c.Rules.Validate(); err != nil {
		return fmt.Errorf("flowctl: %w", err)
	}
	c.Clock = clock.Or(c.Clock)
	if c.Node == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Node = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	}
	if c.HashTag == "" {
		c.HashTag = "flowctl"
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 200 * time.Millisecond
	}
	c.Nodes = max(c.Nodes, 1)
	if c.MaxKeys <= 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// cluster is what both Redis limiters share: rules, the node registry, the
// fallback and the background loop.
type cluster struct {
	cfg         RedisConfig
	prefix      string // "fc{tag}:", RedisExact's keys and the node registry
	leasePrefix string // "fc:tag:l:", Leased's pools, each tagged by its counter name
	rules       atomic.Pointer[ruleset]
	mu          sync.Mutex // serialises SetRules
	fb          *fallback
	bans        *bans
	stats       stats

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newCluster(cfg RedisConfig) (*cluster, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	c := &cluster{cfg: cfg, prefix: "fc{" + cfg.HashTag + "}:", leasePrefix: "fc:" + cfg.HashTag + ":l:", bans: newBans(),
		stop: make(chan struct{}), done: make(chan struct{})}
	fb, err := newFallback(LocalConfig{Clock: cfg.Clock, MaxKeys: cfg.MaxKeys, Rules: cfg.Rules}, cfg.Nodes, cfg.Interval, cfg.Logger)
	if err != nil {
		return nil, err
	}
	c.fb = fb
	c.stats.nodes.Store(int64(cfg.Nodes))
	c.rules.Store(compile(cfg.Rules, nil))
	return c, nil
}

// start beats once and then runs tick every interval until close.
func (c *cluster) start(tick func(now int64)) {
	c.heartbeat()
	t := c.cfg.Clock.NewTicker(c.cfg.Interval)
	go func() {
		defer close(c.done)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C():
				c.heartbeat()
				if tick != nil {
					tick(c.cfg.Clock.Now().UnixNano())
				}
				if c.cfg.onTick != nil {
					c.cfg.onTick()
				}
			}
		}
	}()
}

// close stops the loop, runs release (if any) and deregisters the node.
func (c *cluster) close(release func()) {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		if release != nil {
			release()
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
		defer cancel()
		c.cfg.Client.Do(ctx, c.cfg.Client.B().Zrem().Key(c.prefix+"nodes").Member(c.cfg.Node).Build())
	})
}

func (c *cluster) setRules(r *Rules) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("flowctl: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fb.setRules(r); err != nil {
		return err
	}
	c.rules.Store(compile(r, c.rules.Load()))
	return nil
}

// heartbeatScript registers the node with Redis time and counts the nodes
// seen within the stale period.
// luaWindow is the window arithmetic the exact and leased scripts share: the
// window a Redis second falls in (win seconds long, or the local day at UTC
// offset off when win is 0) and the millisecond at which that window ends.
const luaWindow = `
local function window(sec, off, win)
  if win == 0 then
    local id = math.floor((sec + off) / 86400)
    return id, ((id + 1) * 86400 - off) * 1000
  end
  local id = math.floor(sec / win)
  return id, (id + 1) * win * 1000
end
`

var heartbeatScript = rueidis.NewLuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - stale)
redis.call('PEXPIRE', KEYS[1], stale)
return redis.call('ZCARD', KEYS[1])
`)

// heartbeat registers this node and learns how many are alive, which sets
// the fallback's share. A node is alive for three intervals after its beat.
func (c *cluster) heartbeat() {
	stale := 3 * c.cfg.Interval.Milliseconds()
	n, err := c.exec(context.Background(), heartbeatScript, []string{c.prefix + "nodes"},
		[]string{c.cfg.Node, strconv.FormatInt(stale, 10)}).AsInt64()
	if err != nil {
		return
	}
	c.stats.nodes.Store(n)
	c.fb.setNodes(int(n))
}

// exec runs a script with the call timeout and records the outcome for the
// fallback. A failure caused by the caller's own context does not mark Redis down.
func (c *cluster) exec(ctx context.Context, s *rueidis.Lua, keys, args []string) rueidis.RedisResult {
	c.stats.redisCalls.Add(1)
	tctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	res := s.Exec(tctx, c.cfg.Client, keys, args)
	cancel()
	if err := res.Error(); err != nil {
		if ctx.Err() == nil {
			c.fb.failed(err, c.cfg.Clock.Now().UnixNano(), &c.stats)
		}
		return res
	}
	c.fb.ok()
	return res
}

// snapshot merges the fallback's rejections into the cluster's stats.
func (c *cluster) snapshot() Stats {
	s := c.stats.snapshot()
	for code, n := range c.fb.local.Stats().Rejected {
		s.Rejected[code] += n
	}
	return s
}

// keyOf returns the Redis key of check ch for k.
func (c *cluster) keyOf(ch *check, k Key) string {
	if ch.name != "" {
		return c.prefix + ch.name
	}
	var buf [nameBuf]byte
	b := append(buf[:0], c.prefix...)
	return string(appendName(b, ch.dim, ch.win, k.App, k.API))
}
