package flowctl

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/toplab/toplab/system/top"
)

func TestRedisDailyWindows(t *testing.T) {
	srv := startRedis(t)
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			app := "a" + strconv.Itoa(i) // the modes share the Redis
			l, err := m.make(RedisConfig{Client: newRedisClient(t, srv.Addr), Rules: &Rules{
				Apps:          map[string]AppRule{app: {PerDay: 3}},
				DefaultAppAPI: AppAPIRule{PerDay: 2},
			}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Close)
			k := Key{App: app, API: "x"}
			expectAllowed(t, l, k, 2)
			d := l.Allow(context.Background(), k)
			if d.Allowed || d.Err.SubCode != top.SubAppAPIAccessCount {
				t.Fatalf("third call on the pair: %+v", d)
			}
			// The ban is the rest of the Shanghai day (Redis time and ours agree to well under a second here).
			now := time.Now().In(shanghai)
			y, mo, dd := now.Date()
			rest := time.Date(y, mo, dd+1, 0, 0, 0, 0, shanghai).Sub(now)
			if diff := d.RetryAfter - rest; diff < -2*time.Second || diff > 2*time.Second {
				t.Fatalf("RetryAfter %v, rest of the Shanghai day %v", d.RetryAfter, rest)
			}
			if want := BanMessage(int((d.RetryAfter + time.Second - 1) / time.Second)); d.Err.SubMsg != want {
				t.Fatalf("sub_msg %q, want %q", d.Err.SubMsg, want)
			}
			expectAllowed(t, l, Key{App: app, API: "y"}, 1) // the app's third call of the day
			d = l.Allow(context.Background(), Key{App: app, API: "z"})
			if d.Allowed || d.Err.SubCode != top.SubAppAccessCount {
				t.Fatalf("fourth call of the app: %+v", d)
			}
			if s := l.Stats(); s.Fallback != 0 || s.RedisErrors != 0 || s.Rejected[top.SubAppAccessCount] != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

// The group rules hold in Redis too (the exact script; the leased node's
// local groups within its lease). Each case must run inside one second of
// Redis time: a run that straddles a second is retried on a fresh key.
func TestRedisGroups(t *testing.T) {
	srv := startRedis(t)
	for mi, m := range modes {
		for ci, tc := range groupCases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				const attempts = 5
				apis := map[string]APIRule{}
				for a := range attempts {
					apis["api"+strconv.Itoa(mi)+"."+strconv.Itoa(ci)+"."+strconv.Itoa(a)] = APIRule{PerSecond: tc.capacity, Groups: tc.groups}
				}
				l, err := m.make(RedisConfig{Client: newRedisClient(t, srv.Addr), Rules: &Rules{APIs: apis}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(l.Close)
				for a := range attempts {
					api := "api" + strconv.Itoa(mi) + "." + strconv.Itoa(ci) + "." + strconv.Itoa(a)
					start := time.Now().Unix()
					err := runSteps(l, api, tc.steps)
					if time.Now().Unix() != start {
						continue // straddled a second
					}
					if err != nil {
						t.Fatal(err)
					}
					if s := l.Stats(); s.Fallback != 0 {
						t.Fatalf("fell back: %+v", s)
					}
					return
				}
				t.Fatalf("every one of %d runs straddled a second", attempts)
			})
		}
	}
}

func TestRedisSetRulesKeepsCounts(t *testing.T) {
	srv := startRedis(t)
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			app := "s" + strconv.Itoa(i)
			rules := func(perDay int64) *Rules { return &Rules{Apps: map[string]AppRule{app: {PerDay: perDay}}} }
			l, err := m.make(RedisConfig{Client: newRedisClient(t, srv.Addr), Rules: rules(2)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Close)
			k := Key{App: app, API: "x"}
			expectAllowed(t, l, k, 2)
			expectRejected(t, l, k, top.SubAppAccessCount, 0, 0)
			setter := l.(interface{ SetRules(*Rules) error })
			if err := setter.SetRules(rules(-1)); err == nil {
				t.Fatal("SetRules accepted a negative limit")
			}
			if err := setter.SetRules(rules(3)); err != nil {
				t.Fatal(err)
			}
			expectAllowed(t, l, k, 1) // 2 counted before the swap
			expectRejected(t, l, k, top.SubAppAccessCount, 0, 0)
		})
	}
}
