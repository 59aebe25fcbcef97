package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/push"
	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/testenv"
)

// pushBenchResult is one run of `toplab bench push`.
type pushBenchResult struct {
	Conns       int     `json:"conns"`
	Apps        int     `json:"apps"`
	Nodes       int     `json:"nodes"`
	Rate        int     `json:"rate"`
	Duration    string  `json:"duration"`
	Sync        string  `json:"sync"`
	Published   int64   `json:"published"`
	Acked       int64   `json:"acked"`
	Delivered   int64   `json:"delivered"`
	PublishErrs int64   `json:"publish_errors"`
	Achieved    float64 `json:"achieved_per_second"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	P999Ms      float64 `json:"p999_ms"`
	MaxMs       float64 `json:"max_ms"`
	// AckP50Ms and AckP99Ms time the publish from its intended send time to
	// the node's acknowledgement (stored durably): the store-first part of
	// the end-to-end latency.
	AckP50Ms float64 `json:"ack_p50_ms"`
	AckP99Ms float64 `json:"ack_p99_ms"`
	// CPU per delivered message, from publishing start to the end of the
	// drain: all push nodes together, and this process (the clients and the
	// publisher). Stable where latency moves with the neighbours' load.
	NodeCPUPerMsgUs   float64 `json:"node_cpu_per_message_us"`
	ClientCPUPerMsgUs float64 `json:"client_cpu_per_message_us"`
	// NodeCores is the nodes' CPU time over that span: 1 is one core busy.
	NodeCores float64 `json:"node_cores"`
}

const benchTopic = "bench_Tick"

// benchPushTenant gives app i (bench-app-NNNNN) the seller bench_seller_i.
func benchPushTenant(apps int) []meta.Object {
	objs := []meta.Object{meta.Topic{Name: benchTopic}, meta.Producer{AppKey: "bench-producer", Topics: []string{benchTopic}}}
	for i := range apps {
		app := fmt.Sprintf("bench-app-%05d", i)
		objs = append(objs,
			meta.App{Key: app, Secret: "bench-secret-" + app, Status: meta.AppActive},
			meta.Subscription{AppKey: app, Topics: []string{benchTopic}},
			meta.TopicPermit{AppKey: app, Seller: fmt.Sprintf("bench_seller_%d", i)})
	}
	return objs
}

func runBenchPush(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench push", "[flags]")
	conns := fs.Int("conns", 10_000, "client WebSocket connections, spread over the nodes")
	perApp := fs.Int("conns-per-app", 10, "connections of each app (apps = conns / this)")
	rate := fs.Int("rate", 20_000, "messages published per second (each goes to one app, so one connection)")
	dur := fs.Duration("duration", 10*time.Second, "publishing time")
	nodes := fs.Int("nodes", 2, "push nodes (local processes)")
	syncPolicy := fs.String("sync", "fsync", "store durability of the nodes: fsync or none")
	out := fs.String("out", "", "write the result as JSON to this file")
	tickFlag := fs.Duration("tick", 10*time.Millisecond, "publishing interval: each tick publishes rate x tick messages in one request, all stamped with the tick's time")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (the clients and the publisher) while publishing to this file")
	nodeProfile := fs.String("node-cpuprofile", "", "write a CPU profile of the first push node while publishing to this file (from its /debug/pprof)")
	nodeGC := fs.Int("node-gogc", 400, "the nodes' -gogc")
	clientGC := fs.Int("client-gogc", 400, "GOGC of this process, which runs the clients: the measuring side should not be what stalls")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *conns < 1 || *perApp < 1 || *rate < 100 || *dur <= 0 || *nodes < 1 || *nodes > 8 || *conns > 60_000 {
		return usageError{"bad counts: conns 1-60000, rate >= 100, nodes 1-8"}
	}
	if *tickFlag < 100*time.Microsecond || *tickFlag > time.Second || *tickFlag > *dur {
		return usageError{"bad -tick: 100µs to 1s, and at most -duration"}
	}
	apps := max(*conns / *perApp, 1)
	debug.SetGCPercent(*clientGC)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "toplab-bench-push-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := seedObjects(ctx, dir, benchPushTenant(apps)); err != nil {
		return err
	}
	var ids string
	for i := range *nodes {
		if i > 0 {
			ids += ","
		}
		ids += "push-" + strconv.Itoa(i+1)
	}
	sup, err := testenv.NewSupervisor(testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{{
		Name: "push", Count: *nodes,
		Command: []string{self, "serve", "push", "-id", "push-${index}", "-nodes", ids, "-ws", "127.0.0.1:${port:ws}",
			"-internal", "127.0.0.1:${port:internal}", "-admin", "127.0.0.1:${port:admin}", "-data", dir,
			"-store-dir", "${data}/messages", "-trade", "", "-sync", *syncPolicy, "-gogc", strconv.Itoa(*nodeGC), "-log-level", "warn"},
		Ports: []string{"ws", "internal", "admin"}, Health: "http://127.0.0.1:${port:admin}/healthz",
	}}})
	if err != nil {
		return err
	}
	if err := sup.Start(ctx); err != nil {
		return err
	}
	defer sup.Stop(context.Background())
	ns := sup.Nodes()

	hist := hdrhistogram.New(1, 60_000_000, 3) // µs
	var histMu sync.Mutex
	ackHist := hdrhistogram.New(1, 60_000_000, 3) // µs, guarded by histMu
	var delivered atomic.Int64
	clientCtx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	clients := make([]*tmcclient.Client, *conns)
	var wg sync.WaitGroup
	for i := range *conns {
		app := fmt.Sprintf("bench-app-%05d", i%apps)
		// Inline: the handler only records, so it runs on the reader.
		c, err := tmcclient.New(tmcclient.Config{URL: "ws://" + ns[i%len(ns)].Addr("ws") + "/", AppKey: app, Secret: "bench-secret-" + app, Inline: true,
			Handler: func(_ context.Context, m *tmc.Message) error {
				if sent, ok := sentNanos(m.Content); ok {
					us := (time.Now().UnixNano() - sent) / 1e3
					histMu.Lock()
					_ = hist.RecordValue(max(us, 1))
					histMu.Unlock()
				}
				delivered.Add(1)
				return nil
			}})
		if err != nil {
			return err
		}
		clients[i] = c
		wg.Add(1)
		go func() { defer wg.Done(); c.Run(clientCtx) }()
	}
	defer wg.Wait()
	start := time.Now()
	for {
		up := 0
		for _, c := range clients {
			if c.Connected() {
				up++
			}
		}
		fmt.Fprintf(env.stderr, "\rconnecting: %d/%d (%.0f/s) %s   ", up, *conns, float64(up)/time.Since(start).Seconds(), time.Since(start).Round(time.Second))
		if up == *conns {
			break
		}
		if time.Since(start) > 2*time.Minute {
			return fmt.Errorf("only %d of %d clients connected in 2 minutes", up, *conns)
		}
		time.Sleep(250 * time.Millisecond)
	}
	fmt.Fprintln(env.stderr)

	res := pushBenchResult{Conns: *conns, Apps: apps, Nodes: *nodes, Rate: *rate, Duration: dur.String(), Sync: *syncPolicy}
	var published, acked, errs atomic.Int64
	tick := *tickFlag
	perTick := max(*rate*int(tick)/int(time.Second), 1)
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ticks := int(*dur / tick)
	nodeCPU0, selfCPU0, err := benchCPU(ns)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	nodeProf := profileNode(ctx, ns[0], *nodeProfile, *dur)
	pubStart := time.Now()
	var pubWG sync.WaitGroup
	sem := make(chan struct{}, 64)
	var seq int64
	for k := range ticks {
		intended := pubStart.Add(time.Duration(k) * tick)
		time.Sleep(time.Until(intended))
		msgs := make([]push.WireMessage, perTick)
		for j := range msgs {
			seq++
			// t is the intended send time: a stalled publisher shows up as latency.
			msgs[j] = push.WireMessage{Topic: benchTopic, Content: json.RawMessage(`{"t":` + strconv.FormatInt(intended.UnixNano(), 10) + `}`),
				Nick: "bench_seller_" + strconv.FormatInt(seq%int64(apps), 10), Publisher: "bench-producer", PubTimeMs: intended.UnixMilli(), DataID: seq}
		}
		body, _ := json.Marshal(struct {
			Messages []push.WireMessage `json:"messages"`
		}{msgs})
		url := "http://" + ns[k%len(ns)].Addr("internal") + "/internal/publish"
		sem <- struct{}{}
		pubWG.Add(1)
		go func() {
			defer func() { <-sem; pubWG.Done() }()
			published.Add(int64(perTick))
			r, err := httpc.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				errs.Add(1)
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				errs.Add(1)
				return
			}
			acked.Add(int64(perTick))
			histMu.Lock()
			_ = ackHist.RecordValue(max(time.Since(intended).Microseconds(), 1))
			histMu.Unlock()
		}()
		if k%100 == 0 {
			el := time.Since(pubStart)
			fmt.Fprintf(env.stderr, "\rpublishing: %d sent, %d delivered, %.0f/s, %d errors, %s   ", published.Load(), delivered.Load(),
				float64(delivered.Load())/el.Seconds(), errs.Load(), el.Round(time.Second))
		}
	}
	pubWG.Wait()
	pubTime := time.Since(pubStart)
	drainEnd := time.Now().Add(10 * time.Second)
	for delivered.Load() < acked.Load() && time.Now().Before(drainEnd) {
		time.Sleep(20 * time.Millisecond)
	}
	span := time.Since(pubStart)
	if err := nodeProf(); err != nil {
		return err
	}
	nodeCPU1, selfCPU1, err := benchCPU(ns)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stderr)
	stopClients()
	res.Published, res.Acked, res.Delivered, res.PublishErrs = published.Load(), acked.Load(), delivered.Load(), errs.Load()
	res.Achieved = float64(res.Delivered) / pubTime.Seconds()
	nodeCPU, selfCPU := nodeCPU1.Sub(nodeCPU0).Total(), selfCPU1.Sub(selfCPU0).Total()
	if res.Delivered > 0 {
		res.NodeCPUPerMsgUs = float64(nodeCPU.Microseconds()) / float64(res.Delivered)
		res.ClientCPUPerMsgUs = float64(selfCPU.Microseconds()) / float64(res.Delivered)
	}
	res.NodeCores = nodeCPU.Seconds() / span.Seconds()
	histMu.Lock()
	res.P50Ms = float64(hist.ValueAtQuantile(50)) / 1e3
	res.P99Ms = float64(hist.ValueAtQuantile(99)) / 1e3
	res.P999Ms = float64(hist.ValueAtQuantile(99.9)) / 1e3
	res.MaxMs = float64(hist.Max()) / 1e3
	res.AckP50Ms = float64(ackHist.ValueAtQuantile(50)) / 1e3
	res.AckP99Ms = float64(ackHist.ValueAtQuantile(99)) / 1e3
	histMu.Unlock()
	fmt.Fprintf(env.stdout, "push end to end: %d conns (%d apps) on %d nodes, %d msg/s for %s, sync %s\n", res.Conns, res.Apps, res.Nodes, res.Rate, res.Duration, res.Sync)
	fmt.Fprintf(env.stdout, "  published %d, acknowledged %d, delivered %d (%.0f/s), publish errors %d\n", res.Published, res.Acked, res.Delivered, res.Achieved, res.PublishErrs)
	fmt.Fprintf(env.stdout, "  publish -> client receive: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n", res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs)
	fmt.Fprintf(env.stdout, "  publish -> stored and acknowledged: p50 %.2f ms, p99 %.2f ms\n", res.AckP50Ms, res.AckP99Ms)
	fmt.Fprintf(env.stdout, "  CPU per message: nodes %.1f µs (%.2f cores busy), clients and publisher %.1f µs\n", res.NodeCPUPerMsgUs, res.NodeCores, res.ClientCPUPerMsgUs)
	if *out != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sentNanos reads {"t":NANOS} without a JSON decoder.
func sentNanos(content string) (int64, bool) {
	const prefix = `{"t":`
	if len(content) < len(prefix)+2 || content[:len(prefix)] != prefix || content[len(content)-1] != '}' {
		return 0, false
	}
	v, err := strconv.ParseInt(content[len(prefix):len(content)-1], 10, 64)
	return v, err == nil
}

// profileNode starts fetching a CPU profile of n over d into file (nothing
// when file is empty); the function returned waits for it.
func profileNode(ctx context.Context, n *testenv.Node, file string, d time.Duration) func() error {
	if file == "" {
		return func() error { return nil }
	}
	secs := max(int(d/time.Second), 1)
	done := make(chan error, 1)
	go func() {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", n.Addr("admin"), secs)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			done <- err
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- fmt.Errorf("node profile: %w", err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			done <- fmt.Errorf("node profile: %s", resp.Status)
			return
		}
		b, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(file, b, 0o644)
		}
		done <- err
	}()
	return func() error { return <-done }
}
