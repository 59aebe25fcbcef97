package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/testenv"
)

// BenchmarkPushIdleSessions holds N idle TMC sessions (WebSocket, signed
// CONNECT, CONNECTACK) on a cluster of real push nodes and reports the
// nodes' memory per session: RSS and Go heap+stack deltas, summed over the
// nodes. N is TOPLAB_PUSH_IDLE_CONNS (default 10000). A process may hold at
// most its open-files limit (20000 on the shared machine, not raisable), so
// the sessions are spread over one node per idleSessionsPerNode, each with
// a client process of its own (the test binary in the swarm role).
func BenchmarkPushIdleSessions(b *testing.B) {
	conns := 10_000
	if s := os.Getenv("TOPLAB_PUSH_IDLE_CONNS"); s != "" {
		conns, _ = strconv.Atoi(s)
	}
	nodes := (conns + idleSessionsPerNode - 1) / idleSessionsPerNode
	bin := filepath.Join(b.TempDir(), "toplab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	dir := b.TempDir()
	ctx := context.Background()
	if err := seedObjects(ctx, dir, benchPushTenant(idleApps)); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := range nodes {
		ids = append(ids, fmt.Sprintf("push-%d", i))
	}
	var specs []testenv.NodeSpec
	for _, id := range ids {
		specs = append(specs, testenv.NodeSpec{
			Name: id, Command: []string{bin, "serve", "push", "-id", id, "-nodes", strings.Join(ids, ","), "-ws", "127.0.0.1:${port:ws}",
				"-internal", "127.0.0.1:${port:internal}", "-admin", "127.0.0.1:${port:admin}", "-data", dir,
				"-store-dir", "${data}/messages", "-trade", "", "-log-level", "warn"},
			Ports: []string{"ws", "internal", "admin"}, Health: "http://127.0.0.1:${port:admin}/healthz",
		})
	}
	sup, err := testenv.NewSupervisor(testenv.Spec{Dir: dir, Nodes: specs})
	if err != nil {
		b.Fatal(err)
	}
	if err := sup.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer sup.Stop(context.Background())
	type before struct{ rss, goMem int64 }
	base := map[string]before{}
	for _, n := range sup.Nodes() {
		base[n.Name()] = before{procRSS(b, n.PID()), goMemory(b, "http://"+n.Addr("admin"))}
	}
	b.ResetTimer()
	var clients []*swarmProcess
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for i, n := range sup.Nodes() {
		share := conns / nodes
		if i < conns%nodes {
			share++
		}
		c, err := startSwarmProcess("ws://"+n.Addr("ws")+"/", share, i*idleSessionsPerNode)
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
	}
	opened := 0
	for i, c := range clients {
		n, err := c.wait()
		if err != nil {
			b.Fatalf("clients of %s: %v", ids[i], err)
		}
		opened += n
	}
	b.StopTimer()
	// Wait until the nodes count every session, then let them settle
	// (sweeps, GC) before measuring.
	var sessions int64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		sessions = 0
		for _, n := range sup.Nodes() {
			sessions += pushSessions(b, "http://"+n.Addr("admin"))
		}
		if sessions == int64(conns) || time.Now().After(deadline) {
			break
		}
	}
	if opened != conns || sessions != int64(conns) {
		var per []string
		for _, n := range sup.Nodes() {
			admin := "http://" + n.Addr("admin")
			line := n.Name()
			kinds := []string{"sessions", "connections", "handshakes_failed_total", "refused_saturated_total", "bad_frames_total"}
			names := make([]string, len(kinds))
			for i, k := range kinds {
				names[i] = "toplab_push_" + k
			}
			vs, _ := scrapeMetrics(context.Background(), admin, names...)
			for i, k := range kinds {
				line += fmt.Sprintf(" %s=%.0f", k, vs[names[i]])
			}
			line += " closed:" + closedReasons(admin)
			per = append(per, line)
		}
		b.Fatalf("clients opened %d, nodes hold %d sessions, want %d:\n%s", opened, sessions, conns, strings.Join(per, "\n"))
	}
	time.Sleep(2 * time.Second)
	var rss, goMem int64
	for _, n := range sup.Nodes() {
		rss += procRSS(b, n.PID()) - base[n.Name()].rss
		goMem += goMemory(b, "http://"+n.Addr("admin")) - base[n.Name()].goMem
	}
	b.ReportMetric(float64(conns), "sessions")
	b.ReportMetric(float64(nodes), "nodes")
	b.ReportMetric(float64(rss)/float64(conns), "rss-B/session")
	b.ReportMetric(float64(goMem)/float64(conns), "heap+stack-B/session")
}

// Sizing of the idle-session benchmark.
const (
	idleSessionsPerNode = 15_000 // under the 20000 open files a process may have here
	idleApps            = 1000
)

// pushSessions is a node's established sessions, from /metrics.
func pushSessions(b *testing.B, admin string) int64 {
	w, err := scrapeMetric(context.Background(), admin, "toplab_push_sessions")
	if err != nil {
		b.Fatal(err)
	}
	return int64(w)
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
	names := []string{"go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes"}
	vs, err := scrapeMetrics(context.Background(), admin, names...)
	if err == nil && len(vs) < len(names) {
		err = fmt.Errorf("%s/metrics lacks one of %v", admin, names)
	}
	if err != nil {
		b.Fatal(err)
	}
	return int64(vs[names[0]] + vs[names[1]])
}

// closedReasons lists a node's WebSocket closes by cause, for diagnosis.
func closedReasons(admin string) string {
	res, err := http.Get(admin + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	var out []string
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "toplab_push_socket_closed_total{") && !strings.HasSuffix(l, " 0") {
			out = append(out, strings.TrimPrefix(l, "toplab_push_socket_closed_total"))
		}
	}
	return strings.Join(out, ",")
}
