package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen/swarm"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/testenv"
)

// BenchmarkPushIdleSessions holds N idle TMC sessions (WebSocket, signed
// CONNECT, CONNECTACK) on one real push node and reports its memory per
// session: RSS and Go heap+stack deltas. N is TOPLAB_PUSH_IDLE_CONNS
// (default 10000; one process may hold at most its open-files limit, 20000
// on the shared machine).
func BenchmarkPushIdleSessions(b *testing.B) {
	conns := 10_000
	if s := os.Getenv("TOPLAB_PUSH_IDLE_CONNS"); s != "" {
		conns, _ = strconv.Atoi(s)
	}
	bin := filepath.Join(b.TempDir(), "toplab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := b.TempDir()
	ctx := context.Background()
	const apps = 1000
	if err := seedObjects(ctx, dir, benchPushTenant(apps)); err != nil {
		b.Fatal(err)
	}
	sup, err := testenv.NewSupervisor(testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{{
		Name: "push", Command: []string{bin, "serve", "push", "-id", "push-0", "-ws", "127.0.0.1:${port:ws}",
			"-internal", "127.0.0.1:${port:internal}", "-admin", "127.0.0.1:${port:admin}", "-data", dir,
			"-store-dir", "${data}/messages", "-trade", "", "-log-level", "warn"},
		Ports: []string{"ws", "internal", "admin"}, Health: "http://127.0.0.1:${port:admin}/healthz",
	}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := sup.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer sup.Stop(context.Background())
	node := sup.Nodes()[0]
	admin := "http://" + node.Addr("admin")
	rss0, goMem0 := procRSS(b, node.PID()), goMemory(b, admin)
	b.ResetTimer()
	s, err := swarm.DialIdle(ctx, swarm.Config{
		URL: "ws://" + node.Addr("ws") + "/", Conns: conns, SourceIPs: swarm.SourceIPs(4), Progress: os.Stderr,
		FirstFrame: func(i int) []byte {
			app := fmt.Sprintf("bench-app-%05d", i%apps)
			c := tmc.Connect{AppKey: app, Timestamp: time.Now().UnixMilli(), SDK: "bench"}
			c.SignWith("bench-secret-" + app)
			f, _ := tmc.AppendFrame(nil, c.ToFrame())
			return f
		},
		CheckReply: func(_ int, reply []byte) error {
			f, err := tmc.DecodeFrame(reply, tmc.Limits{})
			if err != nil {
				return err
			}
			var ack tmc.ConnectAck
			if err := ack.ReadFrame(f); err != nil {
				return err
			}
			return ack.Err()
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	b.StopTimer()
	time.Sleep(2 * time.Second) // let the node settle (sweeps, GC)
	rss1, goMem1 := procRSS(b, node.PID()), goMemory(b, admin)
	if alive := s.Alive(); alive != conns {
		b.Fatalf("%d of %d sessions alive", alive, conns)
	}
	b.ReportMetric(float64(conns), "sessions")
	b.ReportMetric(float64(rss1-rss0)/float64(conns), "rss-B/session")
	b.ReportMetric(float64(goMem1-goMem0)/float64(conns), "heap+stack-B/session")
}

// procRSS reads a process's resident set in bytes.
func procRSS(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// goMemory is the node's Go heap in use plus goroutine stacks, from /metrics.
func goMemory(b *testing.B, admin string) int64 {
	res, err := http.Get(admin + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var total int64
	for _, line := range strings.Split(string(body), "\n") {
		for _, name := range []string{"go_memstats_heap_inuse_bytes ", "go_memstats_stack_inuse_bytes "} {
			if v, ok := strings.CutPrefix(line, name); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += int64(f)
			}
		}
	}
	return total
}
