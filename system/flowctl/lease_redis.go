package flowctl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"
)

// errRedisDown skips Redis during the retry interval after a failure.
var errRedisDown = errors.New("flowctl: redis marked unreachable")

// refresh asks Redis for a new window's lease or a top-up, unless a
// concurrent call already did.
func (l *Leased) refresh(ctx context.Context, x *lease, c *check, now int64) (*leaseWindow, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now = max(now, l.cfg.Clock.Now().UnixNano())
	w := x.cur.Load()
	topUp := w != nil && now < w.end
	if topUp {
		if g, u := x.load(); u < g || w.dryFor(c.limit) {
			return w, nil
		}
	}
	if !l.fb.usable(now) {
		return nil, errRedisDown
	}
	x.limit.Store(c.limit)
	rate := max(x.rate.Load(), x.attempts.Load())
	var limitCap uint64
	if l.long(x.win) {
		limitCap = max(minLease, 2*rate)
	}
	return l.acquire(ctx, x, now, rate, topUp, limitCap)
}

// long reports whether a window outlasts the rebalancing interval, so its
// lease is sized by demand and rebalanced rather than renewed each window.
func (l *Leased) long(w window) bool {
	return w == winDay || time.Duration(w.seconds())*time.Second > l.cfg.Interval
}

// acquireScript grants a node part of a window's pool. KEYS: the pool {w:
// window id, g: granted} and the demand reports {node: "calls:ms"}. ARGV: zone
// offset, window seconds (0 = local day), limit, node, calls in the last
// interval, 1 for a top-up, cap (0 = none), ms after which a report is stale.
// Returns {window id, ms left in it, granted, nodes reporting}.
var acquireScript = rueidis.NewLuaScript(luaWindow + `
local t = redis.call('TIME')
local sec = tonumber(t[1])
local nowms = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local off, win, lim = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rate, topup, cap, stale = tonumber(ARGV[5]), ARGV[6] == '1', tonumber(ARGV[7]), tonumber(ARGV[8])
local id, e = window(sec, off, win)
local v = redis.call('HMGET', KEYS[1], 'w', 'g')
local g = 0
if tonumber(v[1]) == id then
  g = tonumber(v[2]) or 0
else
  redis.call('HSET', KEYS[1], 'w', id, 'g', 0)
  redis.call('PEXPIREAT', KEYS[1], e + 1000)
end
if rate < 1 then rate = 1 end
redis.call('HSET', KEYS[2], ARGV[4], string.format('%d:%d', rate, nowms))
redis.call('PEXPIRE', KEYS[2], stale * 2)
local all = redis.call('HGETALL', KEYS[2])
local total, nodes = 0, 0
for j = 1, #all, 2 do
  local r, ts = string.match(all[j + 1], '^(%d+):(%d+)$')
  if r and nowms - tonumber(ts) <= stale then
    total = total + tonumber(r)
    nodes = nodes + 1
  else
    redis.call('HDEL', KEYS[2], all[j])
  end
end
local base = lim
if topup then base = lim - g end
local want = math.ceil(base * rate / total)
if cap > 0 and want > cap then want = cap end
if want < 1 then want = 1 end
local grant = math.min(want, lim - g)
if grant < 0 then grant = 0 end
if grant > 0 then redis.call('HINCRBY', KEYS[1], 'g', grant) end
return {id, e - nowms, grant, nodes}
`)

// releaseScript returns n units of window ARGV[1] to the pool.
var releaseScript = rueidis.NewLuaScript(`
local v = redis.call('HMGET', KEYS[1], 'w', 'g')
if tonumber(v[1]) ~= tonumber(ARGV[1]) then return 0 end
local n = math.min(tonumber(ARGV[2]), tonumber(v[2]) or 0)
if n > 0 then redis.call('HINCRBY', KEYS[1], 'g', -n) end
return n
`)

// acquire requests a grant; x.mu must be held.
func (l *Leased) acquire(ctx context.Context, x *lease, now int64, rate uint64, topUp bool, limitCap uint64) (*leaseWindow, error) {
	rs := l.rules.Load()
	mode := "0"
	if topUp {
		mode = "1"
	}
	pool := l.poolKey(x)
	args := []string{
		strconv.Itoa(rs.days.offset(now)), strconv.Itoa(x.win.seconds()), strconv.FormatUint(uint64(x.limit.Load()), 10),
		l.cfg.Node, strconv.FormatUint(rate, 10), mode, strconv.FormatUint(limitCap, 10),
		strconv.FormatInt(3*l.cfg.Interval.Milliseconds(), 10),
	}
	res, err := l.exec(ctx, acquireScript, []string{pool, pool + ":d"}, args).AsIntSlice()
	if err != nil {
		return nil, err
	}
	if len(res) != 4 {
		return nil, fmt.Errorf("flowctl: lease script answered %v", res)
	}
	id, left, granted := res[0], res[1], uint32(res[2])
	w := &leaseWindow{id: id, end: now + left*int64(time.Millisecond), dry: granted == 0, limit: x.limit.Load()}
	if old := x.cur.Load(); old != nil && old.id == id {
		for { // the same window (our estimate of its end ran early): add to the grant
			s := x.state.Load()
			if x.state.CompareAndSwap(s, s+uint64(granted)<<32) {
				break
			}
		}
	} else {
		x.state.Store(pack(granted, 0))
	}
	x.cur.Store(w)
	return w, nil
}

// poolKey is the Redis key of x's pool; its demand reports are poolKey+":d",
// in the same slot.
func (l *Leased) poolKey(x *lease) string { return l.leasePrefix + "{" + x.name + "}" }

// giveBack returns up to n unused units of x's current window to the pool.
func (l *Leased) giveBack(x *lease, n uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	w := x.cur.Load()
	if w == nil || l.cfg.Clock.Now().UnixNano() >= w.end {
		return
	}
	if n = x.shrink(n); n == 0 {
		return
	}
	l.exec(context.Background(), releaseScript, []string{l.poolKey(x)},
		[]string{strconv.FormatInt(w.id, 10), strconv.FormatUint(uint64(n), 10)})
}
