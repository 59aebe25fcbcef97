package gateway_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/flowctl"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
	"github.com/toplab/toplab/testenv"
)

func TestFlowRulesFromMetadata(t *testing.T) {
	rules, err := gateway.FlowRules([]meta.FlowRule{
		{Name: "api-s", Scope: meta.ScopeAPI, API: "a.b", Window: meta.WindowSecond, Limit: 200000,
			Groups: []meta.TrafficGroup{{Name: "gold", Ratio: 0.6, Priority: 3}, {Name: "silver", Ratio: 0.3, Priority: 2}, {Name: "bronze", Ratio: 0.1, Priority: 1}}},
		{Name: "api-m", Scope: meta.ScopeAPI, API: "a.b", Window: meta.WindowMinute, Limit: 9000000},
		{Name: "app-d", Scope: meta.ScopeApp, App: "k1", Window: meta.WindowDay, Limit: 20000},
		{Name: "aa-s", Scope: meta.ScopeAppAPI, App: "k1", API: "a.b", Window: meta.WindowSecond, Limit: 50},
		{Name: "aa-d", Scope: meta.ScopeAppAPI, App: "k1", API: "a.b", Window: meta.WindowDay, Limit: 1000},
	}, flowctl.DefaultLocation())
	if err != nil {
		t.Fatal(err)
	}
	api := rules.APIs["a.b"]
	if api.PerSecond != 200000 || api.PerMinute != 9000000 || len(api.Groups) != 3 || api.Groups[0].Ratio != 600 || api.Groups[2].Priority != 1 {
		t.Fatalf("api rule = %+v", api)
	}
	if rules.Apps["k1"].PerDay != 20000 || rules.AppAPIs[flowctl.AppAPI{App: "k1", API: "a.b"}] != (flowctl.AppAPIRule{PerSecond: 50, PerDay: 1000}) {
		t.Fatalf("app rules = %+v %+v", rules.Apps, rules.AppAPIs)
	}
	if _, err := gateway.FlowRules([]meta.FlowRule{{Name: "x", Scope: meta.ScopeApp, App: "k", Window: meta.WindowSecond, Limit: 1}}, nil); err == nil {
		t.Fatal("an app-per-second rule was accepted")
	}
}

// The local limiter behind the flow-control stage, its windows moved by the fake clock.
func TestLocalFlowControlRejectsWithBanSeconds(t *testing.T) {
	var lim *flowctl.Local
	e := newEnv(t, func(cfg *gateway.Config) {
		var err error
		lim, err = flowctl.NewLocal(flowctl.LocalConfig{Clock: cfg.Clock})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Limiter = gateway.FlowLimiter{Limiter: lim}
	})
	rules, err := gateway.FlowRules([]meta.FlowRule{
		{Name: "aa-s", Scope: meta.ScopeAppAPI, App: meta.DemoAppKey, API: "toplab.test.echo", Window: meta.WindowSecond, Limit: 3},
		{Name: "app-d", Scope: meta.ScopeApp, App: meta.DemoAppKey, Window: meta.WindowDay, Limit: 5},
	}, flowctl.DefaultLocation())
	if err != nil {
		t.Fatal(err)
	}
	lim.SetRules(rules)
	call := func() *top.Error {
		return e.post(signed(meta.DemoAppKey, meta.DemoSecret, top.SignMD5, map[string]string{"method": "toplab.test.echo",
			"timestamp": top.FormatTimestamp(e.clock.Now())})).Err
	}
	for i := range 3 {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	terr := call()
	if terr == nil || terr.Code != top.CodeAppCallLimited || terr.SubCode != top.SubAppAPIAccessCount || terr.SubMsg != "This ban will last for 1 more seconds" {
		t.Fatalf("4th call in the second: %+v", terr)
	}
	e.clock.Advance(time.Second)
	for i := range 2 {
		if err := call(); err != nil {
			t.Fatalf("next second, call %d: %v", i, err)
		}
	}
	// The daily quota (5) is used up; it lasts until midnight in Shanghai.
	terr = call()
	if terr == nil || terr.SubCode != top.SubAppAccessCount || !strings.Contains(terr.SubMsg, "more seconds") {
		t.Fatalf("6th call of the day: %+v", terr)
	}
	if e.backend.count() != 5 {
		t.Fatalf("backend saw %d calls, want the 5 admitted", e.backend.count())
	}
}

// Three gateways share one Redis: in exact mode the admitted calls stay
// within 1% of the limit; the leased mode's error is measured and reported.
func TestThreeGatewaysShareRedis(t *testing.T) {
	srv := testenv.Redis(t)
	const limit, perGateway = 90, 100
	for _, mode := range []string{"exact", "leased"} {
		t.Run(mode, func(t *testing.T) {
			rules, err := gateway.FlowRules([]meta.FlowRule{{Name: "aa-d", Scope: meta.ScopeAppAPI, App: meta.DemoAppKey,
				API: "toplab.test.echo", Window: meta.WindowDay, Limit: limit}}, flowctl.DefaultLocation())
			if err != nil {
				t.Fatal(err)
			}
			tag := mode + "-" + strings.ReplaceAll(t.Name(), "/", "-")
			var envs []*env
			for range 3 {
				rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(rc.Close)
				cfg := flowctl.RedisConfig{Client: rc, Rules: rules, HashTag: tag, Interval: 200 * time.Millisecond}
				var lim interface {
					flowctl.Limiter
					Close()
				}
				if mode == "exact" {
					lim, err = flowctl.NewRedisExact(cfg)
				} else {
					lim, err = flowctl.NewLeased(cfg)
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { lim.Close() })
				envs = append(envs, newEnv(t, func(c *gateway.Config) { c.Limiter = gateway.FlowLimiter{Limiter: lim} }))
			}
			var admitted, limited atomic.Int64
			var wg sync.WaitGroup
			for _, e := range envs {
				for range 4 { // the echo backend's concurrency bound
					wg.Go(func() {
						for range perGateway / 4 {
							err := e.post(demo(map[string]string{"method": "toplab.test.echo"})).Err
							switch {
							case err == nil:
								admitted.Add(1)
							case err.Code == top.CodeAppCallLimited:
								limited.Add(1)
							default:
								t.Errorf("unexpected %v", err)
							}
						}
					})
				}
			}
			wg.Wait()
			got := admitted.Load()
			errPct := 100 * float64(got-limit) / limit
			t.Logf("%s: %d admitted of limit %d (error %+.1f%%), %d limited, %d calls over 3 gateways", mode, got, limit, errPct, limited.Load(), 3*perGateway)
			if got+limited.Load() != 3*perGateway {
				t.Fatalf("calls vanished: %d admitted + %d limited", got, limited.Load())
			}
			bound := 1.0
			if mode == "leased" {
				bound = 25
			}
			if errPct > bound || errPct < -bound {
				t.Fatalf("%s mode admitted %d, more than %.0f%% off the limit %d", mode, got, bound, limit)
			}
		})
	}
}
