package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
	"github.com/toplab/toplab/testenv"
)

// benchItem is the call every target serves: taobao.item.get, public (no
// session), a small JSON answer, so the comparison is about the front, not
// the backend.
const benchItem = "600000000000"

// benchTarget is one front under test and the request it gets.
type benchTarget struct {
	Name   string
	Node   string // the node serving it, whose CPU is measured
	Open   bool   // also measured in the open model at half the gateway's maximum
	URL    string
	Body   []byte
	Header http.Header
}

// benchResult is one target's closed-model run, plus its open-model run at
// half the gateway's maximum where measured.
type benchResult struct {
	Target     string           `json:"target"`
	Closed     *loadgen.Summary `json:"closed"`
	Open       *loadgen.Summary `json:"open,omitempty"`
	OpenRounds []time.Duration  `json:"open_round_p99s,omitempty"`
	// AddedP99 (the gateway's row) is the median over rounds of its open
	// p99 minus the backend's in the same round.
	AddedP99       time.Duration     `json:"added_p99,omitempty"`
	AddedP99Rounds []time.Duration   `json:"added_p99_rounds,omitempty"`
	Ratio          float64           `json:"throughput_vs_backend"`
	Rounds         []float64         `json:"round_throughputs"`
	Outcomes       map[string]uint64 `json:"outcomes"`
	SkipReason     string            `json:"skip_reason,omitempty"`
	// CPU is the processor time per request of the target's node and of
	// the backend behind it, over all closed rounds: unlike throughput on a
	// shared machine, it does not move with the neighbours' load.
	CPU        *cpuPerRequest `json:"cpu_per_request,omitempty"`
	BackendCPU *cpuPerRequest `json:"backend_cpu_per_request,omitempty"`
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "push" {
		return runBenchPush(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "sync" {
		return runBenchSync(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "gateway" {
		return usageError{"usage: toplab bench gateway|push|sync [flags]"}
	}
	fs := newFlags(env, "bench gateway", "[flags]")
	conc := fs.Int("concurrency", 64, "connections (closed model), the same for every target")
	dur := fs.Duration("duration", 10*time.Second, "measured time per target and round")
	rounds := fs.Int("rounds", 3, "rounds; targets take turns in each round so machine noise hits them alike, and the median round counts")
	warm := fs.Duration("warmup", 2*time.Second, "unmeasured time per target before it")
	out := fs.String("out", "", "folder for result.json and the node logs (default runs/bench-gateway-<time>)")
	nginx := fs.String("nginx", "nginx", "nginx binary; empty skips nginx")
	if err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("runs", "bench-gateway-"+time.Now().Format("20060102-150405"))
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if err := seedDemo(ctx, dir); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ports := map[string]int{}
	for _, name := range []string{"backend", "backend_admin", "gateway", "gateway_admin", "gateway_nethttp", "gateway_nethttp_admin", "fastproxy", "proxy", "nginx"} {
		if ports[name], err = testenv.FreePort(); err != nil {
			return err
		}
	}
	spec, skipNginx, err := benchSpec(self, dir, *nginx, ports)
	if err != nil {
		return err
	}
	sup, err := testenv.NewSupervisor(spec)
	if err != nil {
		return err
	}
	if err := sup.Start(ctx); err != nil {
		return err
	}
	defer sup.Stop(context.Background())

	targets := benchTargets(ports, skipNginx == "")
	runs := make([][]*loadgen.Summary, len(targets))
	cpu := make([][2]*cpuTally, len(targets)) // the target's node, the backend behind it
	for i, tg := range targets {
		cpu[i][0] = &cpuTally{node: tg.Node}
		if tg.Node != "backend" {
			cpu[i][1] = &cpuTally{node: "backend"}
		}
	}
	for round := 1; round <= max(*rounds, 1); round++ {
		for i, tg := range targets {
			fmt.Fprintf(env.stderr, "bench: round %d, %s, %d connections, %s\n", round, tg.Name, *conc, *dur)
			closed, err := benchClosed(ctx, env, tg, *conc, *warm, *dur, sup, cpu[i][:])
			if err != nil {
				return fmt.Errorf("%s: %w", tg.Name, err)
			}
			runs[i] = append(runs[i], closed)
		}
	}
	var results []benchResult
	for i, tg := range targets {
		med := medianRun(runs[i])
		results = append(results, benchResult{Target: tg.Name, Closed: med, Outcomes: med.Outcomes, Rounds: throughputs(runs[i]),
			CPU: cpu[i][0].perRequest(), BackendCPU: cpu[i][1].perRequest()})
	}
	if skipNginx != "" {
		results = append(results, benchResult{Target: "nginx", SkipReason: skipNginx})
	}
	// Latency added at half the gateway's maximum throughput, open model:
	// the backend, the gateway, the bare fasthttp proxy (what its HTTP stack
	// adds) and nginx (what the machine adds to any proxy at that rate) take
	// turns for the same rounds as above, and
	// the added p99 is the median of the rounds' differences to the
	// backend, so a burst of the neighbours' work hits one round, not the
	// verdict.
	half := results[1].Closed.Throughput / 2
	var open []int
	for i, tg := range targets {
		if tg.Open {
			open = append(open, i)
		}
	}
	for round := 1; round <= max(*rounds, 1); round++ {
		var base time.Duration
		for _, i := range open {
			tg := targets[i]
			fmt.Fprintf(env.stderr, "bench: round %d, %s, open model at %.0f/s\n", round, tg.Name, half)
			s, err := benchOpen(ctx, env, tg, half, *warm, *dur)
			if err != nil {
				return fmt.Errorf("%s open: %w", tg.Name, err)
			}
			r := &results[i]
			r.OpenRounds = append(r.OpenRounds, s.Corrected.P99)
			if i == 0 {
				base = s.Corrected.P99
			} else {
				r.AddedP99Rounds = append(r.AddedP99Rounds, s.Corrected.P99-base)
			}
			if round == (max(*rounds, 1)+1)/2 { // the middle round's runs stand for the table
				r.Open = s
			}
		}
	}
	for _, i := range open[1:] {
		slices.Sort(results[i].AddedP99Rounds)
		results[i].AddedP99 = results[i].AddedP99Rounds[len(results[i].AddedP99Rounds)/2]
	}
	base := results[0].Closed.Throughput
	for i := range results {
		if results[i].Closed != nil && base > 0 {
			results[i].Ratio = results[i].Closed.Throughput / base
		}
	}
	printBench(env, results, *conc)
	b, _ := json.MarshalIndent(map[string]any{"concurrency": *conc, "duration": dur.String(), "results": results, "build": currentBuild()}, "", "  ")
	path := filepath.Join(dir, "result.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "results: %s\n", path)
	return nil
}

func benchSpec(self, dir, nginx string, p map[string]int) (testenv.Spec, string, error) {
	backendURL := "http://127.0.0.1:" + strconv.Itoa(p["backend"])
	spec := testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{
		{Name: "backend", Command: []string{self, "serve", "backend", "-addr", "127.0.0.1:${port:http}", "-admin", "127.0.0.1:${port:admin}", "-data", "${data}", "-log-level", "warn"},
			Ports: []string{"http", "admin"}, FixedPorts: map[string]int{"http": p["backend"], "admin": p["backend_admin"]}, Health: "http://127.0.0.1:${port:admin}/healthz"},
		{Name: "gateway", Command: []string{self, "serve", "gateway", "-addr", "127.0.0.1:${port:http}", "-admin", "127.0.0.1:${port:admin}",
			"-data", dir, "-log-level", "warn", "-backend", meta.BackendItem + "=" + backendURL},
			Ports: []string{"http", "admin"}, FixedPorts: map[string]int{"http": p["gateway"], "admin": p["gateway_admin"]},
			Health: "http://127.0.0.1:${port:admin}/healthz"},
		{Name: "gateway-nethttp", Command: []string{self, "serve", "gateway", "-http", "nethttp", "-addr", "127.0.0.1:${port:http}", "-admin", "127.0.0.1:${port:admin}",
			"-data", dir, "-log-level", "warn", "-backend", meta.BackendItem + "=" + backendURL},
			Ports: []string{"http", "admin"}, FixedPorts: map[string]int{"http": p["gateway_nethttp"], "admin": p["gateway_nethttp_admin"]},
			Health: "http://127.0.0.1:${port:admin}/healthz"},
		{Name: "fastproxy", Command: []string{self, "serve", "proxy", "-http", "fasthttp", "-addr", "127.0.0.1:${port:http}", "-target", backendURL, "-idle", "512", "-log-level", "warn"},
			Ports: []string{"http"}, FixedPorts: map[string]int{"http": p["fastproxy"]}, Health: "http://127.0.0.1:${port:http}/healthz"},
		{Name: "proxy", Command: []string{self, "serve", "proxy", "-addr", "127.0.0.1:${port:http}", "-target", backendURL, "-log-level", "warn"},
			Ports: []string{"http"}, FixedPorts: map[string]int{"http": p["proxy"]}, Health: "http://127.0.0.1:${port:http}/healthz"},
	}}
	if nginx == "" {
		return spec, "disabled with -nginx ''", nil
	}
	bin, err := exec.LookPath(nginx)
	if err != nil {
		return spec, "nginx not installed (`make deps` installs Debian's nginx-light)", nil
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.MkdirAll(filepath.Join(dir, "nginx"), 0o755); err != nil {
		return spec, "", err
	}
	if err := os.WriteFile(conf, []byte(nginxConf(dir, p["nginx"], p["backend"])), 0o644); err != nil {
		return spec, "", err
	}
	spec.Nodes = append(spec.Nodes, testenv.NodeSpec{Name: "nginx", Command: []string{bin, "-p", filepath.Join(dir, "nginx"), "-c", conf, "-g", "daemon off;"},
		Ports: []string{"http"}, FixedPorts: map[string]int{"http": p["nginx"]}, Health: "http://127.0.0.1:${port:http}/healthz"})
	return spec, "", nil
}

// nginxConf is proxy_pass with upstream keepalive: nginx at its usual best.
func nginxConf(dir string, port, backend int) string {
	return fmt.Sprintf(`worker_processes auto;
error_log %[1]s/nginx/error.log warn;
pid %[1]s/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/nginx/body;
  proxy_temp_path %[1]s/nginx/proxy;
  upstream backend { server 127.0.0.1:%[3]d; keepalive 256; }
  server {
    listen 127.0.0.1:%[2]d;
    location = /healthz { return 200 "ok\n"; }
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, dir, port, backend)
}

func benchTargets(p map[string]int, withNginx bool) []benchTarget {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	direct := []byte("num_iid=" + benchItem + "&fields=num_iid,title,price")
	ts := []benchTarget{
		{Name: "backend", Node: "backend", Open: true, URL: fmt.Sprintf("http://127.0.0.1:%d/api/taobao.item.get", p["backend"]), Body: direct, Header: form},
		{Name: "gateway", Node: "gateway", Open: true, URL: fmt.Sprintf("http://127.0.0.1:%d/router/rest", p["gateway"]), Body: signedItemCall(), Header: form},
		{Name: "gateway-nethttp", Node: "gateway-nethttp", URL: fmt.Sprintf("http://127.0.0.1:%d/router/rest", p["gateway_nethttp"]), Body: signedItemCall(), Header: form},
		{Name: "fasthttp-proxy", Node: "fastproxy", Open: true, URL: fmt.Sprintf("http://127.0.0.1:%d/api/taobao.item.get", p["fastproxy"]), Body: direct, Header: form},
		{Name: "reverseproxy", Node: "proxy", URL: fmt.Sprintf("http://127.0.0.1:%d/api/taobao.item.get", p["proxy"]), Body: direct, Header: form},
	}
	if withNginx {
		ts = append(ts, benchTarget{Name: "nginx", Node: "nginx", Open: true, URL: fmt.Sprintf("http://127.0.0.1:%d/api/taobao.item.get", p["nginx"]), Body: direct, Header: form})
	}
	return ts
}

// signedItemCall is one signed call, reused for the whole run (its
// timestamp stays within the 10 minutes of skew a run takes).
func signedItemCall() []byte {
	var p top.Params
	for k, v := range map[string]string{"method": "taobao.item.get", "app_key": meta.DemoAppKey, "v": "2.0", "format": "json",
		"sign_method": "md5", "timestamp": top.FormatTimestamp(time.Now()), "num_iid": benchItem, "fields": "num_iid,title,price"} {
		p.Set(k, v)
	}
	form := url.Values{}
	for _, kv := range p.List() {
		form.Set(kv.Name, kv.Value)
	}
	form.Set("sign", top.Sign(top.SignMD5, meta.DemoSecret, &p, nil))
	return []byte(form.Encode())
}

func (tg benchTarget) targeter() vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: tg.URL, Body: tg.Body, Header: tg.Header})
}

// benchClassify counts a TOP error answered with HTTP 200 as an error.
func benchClassify(r *vegeta.Result) string {
	if r.Code == http.StatusOK && bytes.HasPrefix(r.Body, []byte(`{"error_response"`)) {
		return "top_error"
	}
	return loadgen.DefaultClassifier(r)
}

// benchClosed warms tg up, then runs the measured closed-model run, adding
// the nodes' CPU meanwhile to tallies.
func benchClosed(ctx context.Context, env *cliEnv, tg benchTarget, conc int, warm, dur time.Duration,
	sup *testenv.Supervisor, tallies []*cpuTally) (*loadgen.Summary, error) {
	if _, err := loadgen.Closed(ctx, tg.targeter(), loadgen.Options{Name: tg.Name + "-warmup", Concurrency: conc, Duration: warm, Classifier: benchClassify}); err != nil {
		return nil, err
	}
	s, err := measureCPU(sup, tallies, func() (*loadgen.Summary, error) {
		return loadgen.Closed(ctx, tg.targeter(), loadgen.Options{Name: tg.Name, Concurrency: conc, Duration: dur, Classifier: benchClassify, ProgressWriter: env.stderr})
	})
	if err != nil {
		return nil, err
	}
	if s.Successes != s.Requests {
		return s, fmt.Errorf("%d of %d requests failed: %v", s.Requests-s.Successes, s.Requests, s.Outcomes)
	}
	return s, nil
}

// benchOpen runs the open model at rate after a warm-up at the same rate:
// the first second of a cold run measures connection set-up on both hops.
func benchOpen(ctx context.Context, env *cliEnv, tg benchTarget, rate float64, warm, dur time.Duration) (*loadgen.Summary, error) {
	pacer := vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}
	if _, err := loadgen.Attack(ctx, tg.targeter(), loadgen.Options{Name: tg.Name + "-open-warmup", Pacer: pacer, Duration: warm, Classifier: benchClassify}); err != nil {
		return nil, err
	}
	return loadgen.Attack(ctx, tg.targeter(), loadgen.Options{Name: tg.Name + "-open", Pacer: pacer, Duration: dur, Classifier: benchClassify, ProgressWriter: env.stderr})
}

func printBench(env *cliEnv, rs []benchResult, conc int) {
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TARGET\tREQ/S (c=%d, median)\tVS BACKEND\tROUNDS\tP50\tP99\tOPEN P50\tOPEN P99\tCPU/REQ\tBACKEND CPU/REQ\n", conc)
	for _, r := range rs {
		if r.Closed == nil {
			fmt.Fprintf(tw, "%s\tskipped: %s\n", r.Target, r.SkipReason)
			continue
		}
		openP50, openP99 := "-", "-"
		if r.Open != nil {
			openP50, openP99 = r.Open.Corrected.P50.String(), r.Open.Corrected.P99.String()
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%v\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, r.Closed.Throughput, r.Ratio, r.Rounds, r.Closed.Raw.P50, r.Closed.Raw.P99,
			openP50, openP99, r.CPU, r.BackendCPU)
	}
	tw.Flush()
	for _, r := range rs {
		if r.AddedP99Rounds != nil {
			fmt.Fprintf(env.stdout, "%s p99 added at half the gateway's maximum (%.0f/s), median of rounds: %s (rounds, sorted: %v)\n",
				r.Target, rs[1].Closed.Throughput/2, r.AddedP99, r.AddedP99Rounds)
		}
	}
}

// medianRun is the round with the median throughput.
func medianRun(runs []*loadgen.Summary) *loadgen.Summary {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b *loadgen.Summary) int { return cmp.Compare(a.Throughput, b.Throughput) })
	return sorted[len(sorted)/2]
}

func throughputs(runs []*loadgen.Summary) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = math.Round(r.Throughput)
	}
	return out
}
