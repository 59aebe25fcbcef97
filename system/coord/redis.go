package coord

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
)

// RedisOptions tune the Redis coordinator; the zero value is the default.
type RedisOptions struct {
	Clock  clock.Clock
	Prefix string // key prefix, default "toplab:coord:"
	// MaxNotices caps each topic's stream (approximately), default 100000.
	MaxNotices int64
	Logger     *slog.Logger
}

// Redis coordinates nodes through Redis: notices are streams (ordered, and a
// subscriber that reconnects resumes where it was), members are sorted sets
// scored by expiry, leases are keys with a holder.
type Redis struct {
	c    rueidis.Client
	opt  RedisOptions
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

var _ Coord = (*Redis)(nil)

// NewRedis coordinates through c; Close does not close c.
func NewRedis(c rueidis.Client, opt RedisOptions) *Redis {
	opt.Clock = clock.Or(opt.Clock)
	if opt.Prefix == "" {
		opt.Prefix = "toplab:coord:"
	}
	if opt.MaxNotices <= 0 {
		opt.MaxNotices = 100000
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Redis{c: c, opt: opt, done: make(chan struct{})}
}

func (r *Redis) key(parts ...string) string { return r.opt.Prefix + strings.Join(parts, ":") }

func (r *Redis) Publish(ctx context.Context, topic string, payload []byte) error {
	cmd := r.c.B().Xadd().Key(r.key("notices", topic)).Maxlen().Almost().Threshold(strconv.FormatInt(r.opt.MaxNotices, 10)).
		Id("*").FieldValue().FieldValue("p", string(payload)).FieldValue("t", strconv.FormatInt(r.opt.Clock.Now().UnixMilli(), 10)).Build()
	if err := r.c.Do(ctx, cmd).Error(); err != nil {
		return fmt.Errorf("coord: publish %s: %w", topic, err)
	}
	return nil
}

func (r *Redis) Subscribe(ctx context.Context, topic string, fn func(Notice)) error {
	select {
	case <-r.done:
		return ErrClosed
	default:
	}
	key := r.key("notices", topic)
	// Start after the newest entry now present: "$" in a later XREAD would
	// drop what is published between Subscribe returning and that read.
	last := "0-0"
	entries, err := r.c.Do(ctx, r.c.B().Xrevrange().Key(key).End("+").Start("-").Count(1).Build()).AsXRange()
	if err != nil && !rueidis.IsRedisNil(err) {
		return fmt.Errorf("coord: subscribe %s: %w", topic, err)
	}
	if len(entries) == 1 {
		last = entries[0].ID
	}
	ctx, cancel := context.WithCancel(ctx)
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		select {
		case <-r.done:
		case <-ctx.Done():
		}
		cancel()
	}()
	go func() {
		defer r.wg.Done()
		defer cancel()
		for ctx.Err() == nil {
			res, err := r.c.Do(ctx, r.c.B().Xread().Count(1000).Block(1000).Streams().Key(key).Id(last).Build()).AsXRead()
			if err != nil {
				if !rueidis.IsRedisNil(err) && ctx.Err() == nil {
					r.opt.Logger.Warn("coord: read notices", "topic", topic, "err", err)
					waitOrDone(ctx, time.Second) // Redis down: retry without spinning
				}
				continue
			}
			for _, e := range res[key] {
				last = e.ID
				fn(Notice{Seq: streamSeq(e.ID), Topic: topic, Payload: []byte(e.FieldValues["p"]), Time: msTime(e.FieldValues["t"])})
			}
		}
	}()
	return nil
}

func waitOrDone(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// streamSeq turns a stream id "ms-n" into one increasing number.
func streamSeq(id string) int64 {
	ms, n, _ := strings.Cut(id, "-")
	a, _ := strconv.ParseInt(ms, 10, 64)
	b, _ := strconv.ParseInt(n, 10, 64)
	return a<<20 | b&(1<<20-1)
}

func msTime(s string) time.Time {
	ms, _ := strconv.ParseInt(s, 10, 64)
	return time.UnixMilli(ms)
}

func (r *Redis) Heartbeat(ctx context.Context, group, member string, info []byte, ttl time.Duration) error {
	now := r.opt.Clock.Now().UnixMilli()
	exp := now + ttl.Milliseconds()
	members, infos := r.key("members", group), r.key("info", group)
	cmds := rueidis.Commands{
		r.c.B().Zadd().Key(members).ScoreMember().ScoreMember(float64(exp), member).Build(),
		r.c.B().Hset().Key(infos).FieldValue().FieldValue(member, string(info)).Build(),
		r.c.B().Zremrangebyscore().Key(members).Min("-inf").Max(strconv.FormatInt(now, 10)).Build(),
	}
	for _, res := range r.c.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return fmt.Errorf("coord: heartbeat %s/%s: %w", group, member, err)
		}
	}
	return nil
}

func (r *Redis) Leave(ctx context.Context, group, member string) error {
	for _, res := range r.c.DoMulti(ctx,
		r.c.B().Zrem().Key(r.key("members", group)).Member(member).Build(),
		r.c.B().Hdel().Key(r.key("info", group)).Field(member).Build()) {
		if err := res.Error(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Redis) Members(ctx context.Context, group string) ([]Member, error) {
	now := r.opt.Clock.Now().UnixMilli()
	scored, err := r.c.Do(ctx, r.c.B().Zrangebyscore().Key(r.key("members", group)).Min("("+strconv.FormatInt(now, 10)).Max("+inf").Withscores().Build()).AsZScores()
	if err != nil {
		return nil, fmt.Errorf("coord: members of %s: %w", group, err)
	}
	if len(scored) == 0 {
		return nil, nil
	}
	ids := make([]string, len(scored))
	for i, z := range scored {
		ids[i] = z.Member
	}
	infos, err := r.c.Do(ctx, r.c.B().Hmget().Key(r.key("info", group)).Field(ids...).Build()).ToArray()
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(scored))
	for i, z := range scored {
		out[i] = Member{ID: z.Member, Expires: time.UnixMilli(int64(z.Score))}
		if i < len(infos) {
			if s, err := infos[i].ToString(); err == nil {
				out[i].Info = []byte(s)
			}
		}
	}
	sortMembers(out)
	return out, nil
}

// acquireScript takes the lease when free, expired or already the caller's.
// Expiry is the injected clock's (ARGV[3] now, ARGV[2] expiry), so all nodes
// judge it alike and tests can move time.
var acquireScript = rueidis.NewLuaScript(`
local v = redis.call('HMGET', KEYS[1], 'holder', 'expires')
if v[1] and v[1] ~= ARGV[1] and tonumber(v[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'expires', ARGV[2])
return 1`)

var releaseScript = rueidis.NewLuaScript(`
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`)

func (r *Redis) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := r.opt.Clock.Now().UnixMilli()
	n, err := acquireScript.Exec(ctx, r.c, []string{r.key("lease", name)},
		[]string{holder, strconv.FormatInt(now+ttl.Milliseconds(), 10), strconv.FormatInt(now, 10)}).AsInt64()
	if err != nil {
		return false, fmt.Errorf("coord: acquire %s: %w", name, err)
	}
	return n == 1, nil
}

func (r *Redis) Release(ctx context.Context, name, holder string) error {
	return releaseScript.Exec(ctx, r.c, []string{r.key("lease", name)}, []string{holder}).Error()
}

// Close stops the subscribers.
func (r *Redis) Close() error {
	r.once.Do(func() { close(r.done) })
	r.wg.Wait()
	return nil
}
