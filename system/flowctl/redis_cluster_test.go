package flowctl

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

const clusterAPI = "taobao.trade.fullinfo.get"

// clusterLimiter is a Redis limiter under test.
type clusterLimiter interface {
	Limiter
	StatsSource
	Close()
}

type mode struct {
	name string
	make func(RedisConfig) (clusterLimiter, error)
}

var modes = []mode{
	{"exact", func(c RedisConfig) (clusterLimiter, error) { return NewRedisExact(c) }},
	{"leased", func(c RedisConfig) (clusterLimiter, error) { return NewLeased(c) }},
}

// windowCounts bracket the calls Redis admitted in each whole second. Redis
// counts a call at some instant between its send and its return (Redis TIME
// and the wall clock are the same host clock), so a call sent and returned
// within second w was surely counted in w (within: a lower bound), and a call
// whose send-to-return span touches w may have been (touching: an upper bound).
type windowCounts struct {
	within, touching []int
}

// driveNodes runs goroutines[i] callers in a loop on node i, the nodes being
// limiters sharing one Redis, all on one key, until windows whole seconds have
// passed. It returns the admitted calls per whole second, bracketed, and the
// Redis round trips the nodes made.
func driveNodes(tb testing.TB, addr string, m mode, goroutines []int, limit, windows int) (windowCounts, uint64) {
	tb.Helper()
	rules := &Rules{APIs: map[string]APIRule{clusterAPI: {PerSecond: int64(limit)}}}
	ls := make([]clusterLimiter, len(goroutines))
	for i := range ls {
		// A generous timeout: the callers spin on local rejections and starve the client of CPU.
		l, err := m.make(RedisConfig{Client: newRedisClient(tb, addr), Rules: rules, Node: fmt.Sprintf("node%d", i), Timeout: 2 * time.Second})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(l.Close)
		ls[i] = l
	}
	first := time.Now().Truncate(time.Second).Add(time.Second).Unix()
	stop := first + int64(windows)
	var mu sync.Mutex
	within, touching := map[int64]int{}, map[int64]int{}
	var wg sync.WaitGroup
	for i, l := range ls {
		for range goroutines[i] {
			wg.Go(func() {
				myWithin, myTouching := map[int64]int{}, map[int64]int{}
				k := Key{App: "app", API: clusterAPI}
				for {
					sent := time.Now().Unix()
					d := l.Allow(context.Background(), k)
					done := time.Now().Unix()
					if done >= stop {
						break
					}
					if !d.Allowed {
						continue
					}
					if sent == done {
						myWithin[sent]++
					}
					for sec := sent; sec <= done; sec++ {
						myTouching[sec]++
					}
				}
				mu.Lock()
				for s, n := range myWithin {
					within[s] += n
				}
				for s, n := range myTouching {
					touching[s] += n
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	var calls uint64
	for _, l := range ls {
		s := l.Stats()
		if s.Fallback != 0 || s.RedisErrors != 0 {
			tb.Fatalf("%s: Redis failed during the run: %+v", m.name, s)
		}
		calls += s.RedisCalls
	}
	var out windowCounts
	for s := first; s < stop; s++ {
		out.within = append(out.within, within[s])
		out.touching = append(out.touching, touching[s])
	}
	return out, calls
}

// windowError is the largest relative deviation from limit that the bracket
// proves: admitted surely above it (within > limit) or surely below it
// (touching < limit).
func windowError(c windowCounts, limit int) float64 {
	worst := 0.0
	for i := range c.within {
		over := float64(c.within[i] - limit)
		under := float64(limit - c.touching[i])
		worst = max(worst, over/float64(limit), under/float64(limit))
	}
	return worst
}

func TestThreeNodesShareOneLimit(t *testing.T) {
	const limit, windows = 500, 3
	srv := startRedis(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			per, calls := driveNodes(t, srv.Addr, m, []int{6, 6, 6}, limit, windows)
			errPct := 100 * windowError(per, limit)
			t.Logf("%s: admitted per window between %v and %v, limit %d: worst proven error %.2f%%; %d Redis round trips in all",
				m.name, per.within, per.touching, limit, errPct, calls)
			bound := 1.0
			if m.name == "leased" {
				bound = 25
			}
			if errPct > bound {
				t.Fatalf("%s: admitted between %v and %v per window, limit %d: error %.2f%% above %.0f%%", m.name, per.within, per.touching, limit, errPct, bound)
			}
		})
	}
}

// BenchmarkThreeNodesWindowError reports how far the admitted calls per
// window stray from the limit with three nodes driving one key far above it,
// with equal callers per node and with 8/2/1, and the Redis round trips per
// window that cost.
func BenchmarkThreeNodesWindowError(b *testing.B) {
	const limit, windows = 500, 3
	srv := startRedis(b)
	for _, m := range modes {
		for _, load := range []struct {
			name       string
			goroutines []int
		}{{"even", []int{6, 6, 6}}, {"skewed", []int{8, 2, 1}}} {
			b.Run(m.name+"/"+load.name, func(b *testing.B) {
				var worst float64
				var calls uint64
				for b.Loop() {
					per, c := driveNodes(b, srv.Addr, m, load.goroutines, limit, windows)
					worst = max(worst, windowError(per, limit))
					calls += c
				}
				b.ReportMetric(100*worst, "worst-window-err-%")
				b.ReportMetric(float64(calls)/float64(b.N*windows), "redis-calls/window")
			})
		}
	}
}

// One node deciding on one key through Redis, parallel callers.
func BenchmarkRedisAllowParallel(b *testing.B) {
	srv := startRedis(b)
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			l, err := m.make(RedisConfig{Client: c, Rules: benchAllRules(), Timeout: 2 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				k := Key{App: "12345678", API: benchAPI, Group: "gold"}
				for pb.Next() {
					if !l.Allow(context.Background(), k).Allowed {
						b.Errorf("rejected: %+v %+v", l.Allow(context.Background(), k).Err, l.Stats())
						return
					}
				}
			})
			if s := l.Stats(); s.Fallback != 0 {
				b.Fatalf("fell back: %+v", s)
			}
		})
	}
}
