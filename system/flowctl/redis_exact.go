package flowctl

import (
	"context"
	"strconv"

	"github.com/redis/rueidis"
)

// RedisExact decides every call with one atomic Lua script on Redis: the
// script reads Redis TIME (no node clock skew), checks every window of the
// call and counts in all of them only when all pass.
//
// Hash tags: a script may only touch keys of one Redis Cluster slot. The keys
// of one call are the app's, the API's and the pair's; the API's key is shared
// by every app and the app's by every API, so any tag derived from the call
// (e.g. {api}) would put the app's daily key in another slot for another API,
// and the app's quota would need a second, non-atomic script: a call could be
// counted against the API and then refused by the app (or the reverse) with no
// way to undo it atomically. RedisExact therefore puts all its keys under one
// tag (RedisConfig.HashTag): exact and atomic, at the price that all flow
// control of one limiter lives on one shard (one Redis thread, tens of
// thousands of decisions a second per core). Deployments that need more use
// Leased, which talks to Redis about once per window per node and key, or split
// traffic between limiters with different tags when their apps do not overlap.
type RedisExact struct {
	*cluster
}

var (
	_ Limiter     = (*RedisExact)(nil)
	_ StatsSource = (*RedisExact)(nil)
)

// NewRedisExact returns an exact cluster-wide limiter and starts its heartbeat.
func NewRedisExact(cfg RedisConfig) (*RedisExact, error) {
	c, err := newCluster(cfg)
	if err != nil {
		return nil, err
	}
	c.start(nil)
	return &RedisExact{c}, nil
}

// SetRules replaces the rules atomically; Redis counters keep their counts
// because their keys are names, not rule versions.
func (e *RedisExact) SetRules(r *Rules) error { return e.setRules(r) }

// Stats returns the limiter's counters, fallback decisions included.
func (e *RedisExact) Stats() Stats { return e.snapshot() }

// Close stops the heartbeat and deregisters the node. It does not close the client.
func (e *RedisExact) Close() { e.close(nil) }

// exactScript: KEYS are the windows' hashes {w: window id, c: count, g<i>:
// per-group counts}, longest window first. ARGV[1] is the zone offset in
// seconds; then per key: window seconds (0 = local day), limit, group index
// (-1 = none), the number m of higher-priority groups and m pairs (group
// index, reservation). Returns {0, 0} when counted, else {i, ms until key i's
// window ends} for the first window that refused.
var exactScript = rueidis.NewLuaScript(luaWindow + `
local t = redis.call('TIME')
local sec = tonumber(t[1])
local nowms = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local off = tonumber(ARGV[1])
local p = 2
local ids, ends, fresh, gf = {}, {}, {}, {}
for i = 1, #KEYS do
  local win, lim, gi, m = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
  p = p + 4
  local id, e = window(sec, off, win)
  ids[i], ends[i] = id, e
  local v = redis.call('HMGET', KEYS[i], 'w', 'c')
  local cur = tonumber(v[1]) == id
  fresh[i] = not cur
  local need = 1
  if cur then need = need + (tonumber(v[2]) or 0) end
  if gi >= 0 then
    gf[i] = 'g' .. gi
    for j = 1, m do
      local r = tonumber(ARGV[p + 1])
      local u = 0
      if cur then u = tonumber(redis.call('HGET', KEYS[i], 'g' .. ARGV[p])) or 0 end
      if r > u then need = need + r - u end
      p = p + 2
    end
  end
  if need > lim then return {i, e - nowms} end
end
for i = 1, #KEYS do
  if fresh[i] then
    redis.call('DEL', KEYS[i])
    redis.call('HSET', KEYS[i], 'w', ids[i], 'c', 1)
    redis.call('PEXPIREAT', KEYS[i], ends[i] + 1000)
  else
    redis.call('HINCRBY', KEYS[i], 'c', 1)
  end
  if gf[i] then redis.call('HINCRBY', KEYS[i], gf[i], 1) end
end
return {0, 0}
`)

// Allow runs the script, or decides locally while Redis is unreachable.
func (e *RedisExact) Allow(ctx context.Context, k Key) Decision {
	rs := e.rules.Load()
	var p plan
	rs.plan(k, &p)
	if p.n == 0 {
		return allowed
	}
	now := e.cfg.Clock.Now().UnixNano()
	if !e.fb.usable(now) {
		return e.fb.allow(ctx, k, &e.stats)
	}
	keys := make([]string, p.n)
	args := make([]string, 1, 1+6*p.n)
	args[0] = strconv.Itoa(rs.days.offset(now))
	for i := range p.n {
		c := &p.c[i]
		keys[i] = e.keyOf(c, k)
		args = appendWindowArgs(args, c)
	}
	res, err := e.exec(ctx, exactScript, keys, args).AsIntSlice()
	if err != nil || len(res) != 2 {
		return e.fb.allow(ctx, k, &e.stats)
	}
	if res[0] == 0 {
		return allowed
	}
	c := &p.c[res[0]-1]
	e.stats.rejected[c.dim].Add(1)
	return e.bans.reject(c.dim, c.win, now+res[1]*1e6, now)
}

// appendWindowArgs appends the script arguments of one window.
func appendWindowArgs(args []string, c *check) []string {
	args = append(args, strconv.Itoa(c.win.seconds()), strconv.FormatUint(uint64(c.limit), 10))
	if c.gl == nil {
		return append(args, "-1", "0")
	}
	hi := c.gl.higher[c.gi]
	args = append(args, strconv.Itoa(c.gi), strconv.Itoa(len(hi)))
	for _, h := range hi {
		args = append(args, strconv.Itoa(h), strconv.FormatUint(uint64(c.gl.reserved(h, c.limit)), 10))
	}
	return args
}
