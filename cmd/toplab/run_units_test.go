package main

import (
	"flag"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/scenarios"
)

func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		out     string
		wantErr bool
	}{
		{[]string{"smoke"}, []string{"smoke"}, "runs", false},
		{[]string{"smoke", "-out", "x"}, []string{"smoke"}, "x", false},
		{[]string{"-out", "x", "a", "b"}, []string{"a", "b"}, "x", false},
		{[]string{"a", "-out", "x", "b"}, []string{"a", "b"}, "x", false},
		{[]string{"a", "-nope"}, nil, "", true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		out := fs.String("out", "runs", "")
		pos, err := parseInterleaved(fs, tc.args)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%v: err %v", tc.args, err)
		}
		if err == nil && (!slices.Equal(pos, tc.pos) || *out != tc.out) {
			t.Errorf("%v: got %v out %q, want %v %q", tc.args, pos, *out, tc.pos, tc.out)
		}
	}
}

// The smoke scenario's pacers send what its shapes integrate to: api at
// 200/s peak: 5 s x 40 + 15 s x 100 + the spike phase + the cooldown ramp.
func TestStreamPacerFollowsTheScenario(t *testing.T) {
	s, err := scenarios.Bundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	seq, err := streamPacer(s, scenarios.StreamAPI, 200)
	if err != nil {
		t.Fatal(err)
	}
	spike := 15*100.0 + 100*(0.5+5+0.5) // base 100/s, +100/s for the 5 s width and half of rise and fall
	want := 5*40 + 15*100 + spike + 10*(100+20)/2.0
	if got := seq.Hits(s.TotalDuration()); math.Abs(got-want) > 1 {
		t.Errorf("api hits over the run %.1f, want %.1f", got, want)
	}
	if r := seq.Rate(time.Second); r != 40 {
		t.Errorf("warm-up rate %v, want 40", r)
	}
}

func TestFaultStepsExpandFor(t *testing.T) {
	s, err := scenarios.Bundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	s.Faults = []scenarios.Fault{
		{At: 20 * time.Second, Action: scenarios.ActionRestart, Node: "push-2"},
		{At: 5 * time.Second, Action: scenarios.ActionKill, Node: "sync", For: 20 * time.Second},
	}
	got := faultSteps(s)
	want := []faultStep{{5 * time.Second, "kill", "sync"}, {20 * time.Second, "restart", "push-2"}, {25 * time.Second, "start", "sync"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestBehaviourOf(t *testing.T) {
	b := scenarios.Behaviours{Prompt: 0.9, Slow: 0.05, Never: 0.03, Disconnect: 0.02}
	for _, tc := range []struct {
		u    float64
		want string
	}{{0, "prompt"}, {0.899, "prompt"}, {0.9, "slow"}, {0.96, "never"}, {0.99, "disconnect"}} {
		if got := behaviourOf(tc.u, b); got != tc.want {
			t.Errorf("behaviourOf(%v) = %s, want %s", tc.u, got, tc.want)
		}
	}
}

// Every seller permits exactly one push app, and the change log's key for
// a message matches the one its receipt computes.
func TestPushAppsAndKeys(t *testing.T) {
	seen := map[int]int{}
	for j := 1; j <= 20; j++ {
		seen[pushAppOf(j, 5)]++
	}
	for app := range 5 {
		if seen[app] != 4 {
			t.Errorf("app %d has %d sellers, want 4", app, seen[app])
		}
	}
	a := messageKey("lab-push-001", "taobao_trade_TradeCreate", 42, 1700000000123)
	if a != messageKey("lab-push-001", "taobao_trade_TradeCreate", 42, 1700000000123) || a < 0 {
		t.Error("message keys are not stable and non-negative")
	}
	if a == messageKey("lab-push-002", "taobao_trade_TradeCreate", 42, 1700000000123) {
		t.Error("two apps share a key")
	}
}

func TestLabSpecGeneralisesCounts(t *testing.T) {
	s, err := scenarios.Bundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApplySweep("push.count", "3"); err != nil {
		t.Fatal(err)
	}
	if s.Env.Nodes[scenarios.RoleBackend].Count != 2 || s.Env.Nodes[scenarios.RoleGateway].Count != 2 {
		t.Fatalf("smoke.yaml no longer has two backends and two gateways: %+v", s.Env.Nodes)
	}
	ports, err := pickLabPorts(s.Instances())
	if err != nil {
		t.Fatal(err)
	}
	spec, err := labSpec("/bin/toplab", t.TempDir(), s, ports, labStores{}, backendSellerCount(s))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range spec.Nodes {
		names = append(names, n.Name)
		if n.Name == "push-3" && !slices.Contains(n.Command, "push-1,push-2,push-3") {
			t.Errorf("push-3 does not know its peers: %v", n.Command)
		}
	}
	if want := []string{"backend-1", "backend-2", "push-1", "push-2", "push-3", "sync", "gateway-1", "gateway-2"}; !slices.Equal(sortedCopy(names), sortedCopy(want)) {
		t.Errorf("nodes %v, want %v", names, want)
	}
	// Each gateway sends trades to the first backend, balances the catalogue
	// services over both backends and the message APIs over every push node.
	b1, b2 := ports.url("backend-1", "http"), ports.url("backend-2", "http")
	var pushes []string
	for _, p := range []string{"push-1", "push-2", "push-3"} {
		pushes = append(pushes, ports.url(p, "internal"))
	}
	for _, n := range spec.Nodes {
		if !strings.HasPrefix(n.Name, "gateway") {
			continue
		}
		for _, want := range []string{"trade=" + b1, "item=" + b1 + "," + b2, "user=" + b1 + "," + b2, "tmc=" + strings.Join(pushes, ",")} {
			if !slices.Contains(n.Command, want) {
				t.Errorf("%s: no -backend %s in %v", n.Name, want, n.Command)
			}
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// Bad invocations of run, compare and budget are refused before anything
// starts: usage errors exit 2, a scenario that does not load exits 1.
func TestRunCompareBudgetRefuseBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"run"}, 2},
		{[]string{"run", "smoke", "-env", "cloud"}, 2},
		{[]string{"run", "smoke", "-calibrate", "sometimes"}, 2},
		{[]string{"run", "smoke", "-sweep", "nope"}, 2},
		{[]string{"run", "smoke", "-sweep", "sync.count=0"}, 1},
		{[]string{"run", "no-such-scenario"}, 1},
		{[]string{"compare", "only-one"}, 2},
		{[]string{"compare", "no-such-run-a", "no-such-run-b"}, 1},
		{[]string{"budget", "somerun"}, 2},
		{[]string{"budget", "no-such-run", "--budgets", "b.yaml"}, 1},
	} {
		if code, _, stderr := runCLI(t, tc.args...); code != tc.code {
			t.Errorf("toplab %v: exit %d, want %d\n%s", tc.args, code, tc.code, stderr)
		}
	}
}

// The API error rate covers only the seconds after the warm-up.
func TestErrorRateExcludesTheWarmup(t *testing.T) {
	start := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	sum := &loadgen.Summary{Start: start.Add(time.Second), Series: []loadgen.Second{
		{Second: 0, Requests: 100, Errors: 50}, // run second 1: warm-up
		{Second: 1, Requests: 100, Errors: 1},  // run second 2
		{Second: 2, Requests: 100, Errors: 0},
	}}
	if got := errorRateAfter(sum, start, 2); got != 0.005 {
		t.Fatalf("error rate %v, want 0.005", got)
	}
	if got := errorRateAfter(sum, start, 10); !math.IsNaN(got) {
		t.Fatalf("error rate %v with nothing after the warm-up, want NaN", got)
	}
}

func TestLoadAtPeak(t *testing.T) {
	// api at 0.4 of its capacity alone, orders at 0.3: together 0.7.
	load, ok := loadAtPeak(map[string]float64{"api": 3000, "orders": 2000}, map[string]float64{"api": 1200, "orders": 600, "push": 40})
	if !ok || math.Abs(load-0.7) > 1e-9 {
		t.Errorf("load %v %v, want 0.7", load, ok)
	}
	if _, ok := loadAtPeak(nil, map[string]float64{"api": 200}); ok {
		t.Error("absolute peaks only: there is no calibrated load")
	}
}
