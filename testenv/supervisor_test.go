package testenv_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toplab/toplab/testenv"
)

func startSupervisor(t *testing.T, spec testenv.Spec) *testenv.Supervisor {
	t.Helper()
	sup, err := testenv.NewSupervisor(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sup.Kill)
	if err := sup.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sup
}

func get(t *testing.T, n *testenv.Node, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.Addr("http") + path)
	if err != nil {
		t.Fatalf("%s%s: %v", n.Name(), path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestSupervisorKillAndRestartInPlace(t *testing.T) {
	sup := startSupervisor(t, testNodeSpec(t.TempDir(), 3))
	nodes := sup.Nodes()
	if len(nodes) != 3 {
		t.Fatalf("%d nodes, want 3", len(nodes))
	}
	pids := map[int]bool{}
	for _, n := range nodes {
		if got := get(t, n, "/boots"); got != "1" {
			t.Fatalf("%s boots = %s, want 1", n.Name(), got)
		}
		pid := n.PID()
		if pid == 0 || pids[pid] || get(t, n, "/pid") != strconv.Itoa(pid) {
			t.Fatalf("%s: PID %d is not the process serving it", n.Name(), pid)
		}
		pids[pid] = true
	}

	victim := sup.Node("store-2")
	port, oldPID := victim.Port("http"), victim.PID()
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	st := victim.Status()
	if st.State != testenv.StateExited || st.ExitCode != -1 || victim.PID() != 0 || !processGone(oldPID) {
		t.Fatalf("after SIGKILL: %+v, process gone=%v", st, processGone(oldPID))
	}
	if _, err := http.Get("http://" + victim.Addr("http") + "/healthz"); err == nil {
		t.Fatal("killed node still answers")
	}
	for _, n := range []*testenv.Node{sup.Node("store-1"), sup.Node("store-3")} {
		if n.Status().State != testenv.StateRunning {
			t.Fatalf("%s disturbed by the kill: %+v", n.Name(), n.Status())
		}
	}

	if err := victim.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if victim.Port("http") != port {
		t.Fatalf("restart moved the port %d -> %d", port, victim.Port("http"))
	}
	if got := get(t, victim, "/boots"); got != "2" {
		t.Fatalf("after restart boots = %s, want 2 (same data folder)", got)
	}
	if newPID := victim.PID(); newPID == oldPID || newPID == 0 {
		t.Fatalf("restart kept PID %d", newPID)
	}

	all := sup.Status()
	if err := sup.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if !processGone(st.PID) {
			t.Errorf("%s (pid %d) survived Stop", st.Name, st.PID)
		}
		if s := sup.Node(st.Name).Status().State; s != testenv.StateStopped {
			t.Errorf("%s state %s after Stop, want stopped", st.Name, s)
		}
	}
	assertEvents(t, sup.Events(), "store-2", []testenv.EventKind{
		testenv.EventStart, testenv.EventReady, testenv.EventKill, testenv.EventExit,
		testenv.EventRestart, testenv.EventStart, testenv.EventReady, testenv.EventStop, testenv.EventExit,
	})
	logText, _ := os.ReadFile(victim.Status().LogPath)
	if strings.Count(string(logText), "--- toplab supervisor: start #") != 2 || !strings.Contains(string(logText), "boot 2") {
		t.Fatalf("log file does not show both starts:\n%s", logText)
	}
}

func assertEvents(t *testing.T, events []testenv.Event, node string, want []testenv.EventKind) {
	t.Helper()
	var got []testenv.EventKind
	for _, e := range events {
		if e.Node == node {
			got = append(got, e.Kind)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("events of %s = %v, want %v", node, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events of %s = %v, want %v", node, got, want)
		}
	}
}

func TestSupervisorGracefulStopDrains(t *testing.T) {
	sup := startSupervisor(t, testNodeSpec(t.TempDir(), 1))
	n := sup.Node("store")
	if err := n.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := n.Status()
	if st.State != testenv.StateStopped || st.ExitCode != 0 {
		t.Fatalf("after SIGTERM: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(st.DataDir, "drained")); err != nil {
		t.Fatalf("node did not drain on SIGTERM: %v", err)
	}
}

func TestSupervisorStopEscalatesAfterDrainDeadline(t *testing.T) {
	spec := testNodeSpec(t.TempDir(), 1, "-ignore-term")
	spec.Nodes[0].Drain = 200 * time.Millisecond
	sup := startSupervisor(t, spec)
	n := sup.Node("store")
	pid := n.PID()
	if err := n.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !processGone(pid) {
		t.Fatal("node that ignores SIGTERM survived Stop")
	}
	var sawDeadline bool
	for _, e := range sup.Events() {
		sawDeadline = sawDeadline || (e.Kind == testenv.EventKill && e.Detail == "drain deadline passed")
	}
	if !sawDeadline {
		t.Fatalf("no kill after the drain deadline in %v", sup.Events())
	}
}

func TestSupervisorStartFailureShowsLog(t *testing.T) {
	sup, err := testenv.NewSupervisor(testNodeSpec(t.TempDir(), 1, "-fail", "config is broken"))
	if err != nil {
		t.Fatal(err)
	}
	err = sup.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "exited before") || !strings.Contains(err.Error(), "config is broken") {
		t.Fatalf("Start error = %v, want the exit and the log tail", err)
	}
	if st := sup.Node("store").Status(); st.State != testenv.StateExited || st.ExitCode != 3 {
		t.Fatalf("status after failed start: %+v", st)
	}
}

// The parent of the nodes (`toplab up`, a test binary) is stopped by a signal
// or killed outright: either way no node survives it.
func TestNoOrphanSurvivesTheParent(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			self, _ := os.Executable()
			cmd := exec.Command(self)
			cmd.Env = append(os.Environ(), roleEnv+"=parent", "TOPLAB_TESTENV_DIR="+t.TempDir())
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			line, err := bufio.NewReader(stdout).ReadBytes('\n')
			if err != nil {
				t.Fatalf("parent printed no status: %v\n%s", err, stderr.String())
			}
			var nodes []testenv.NodeStatus
			if err := json.Unmarshal(line, &nodes); err != nil || len(nodes) != 2 {
				t.Fatalf("status line %q: %v", line, err)
			}
			for _, n := range nodes {
				if n.PID == 0 || processGone(n.PID) {
					t.Fatalf("node %s not running before the signal: %+v", n.Name, n)
				}
			}
			cmd.Process.Signal(sig)
			err = cmd.Wait()
			if sig != syscall.SIGKILL && err != nil {
				t.Fatalf("parent exited with %v after %v\n%s", err, sig, stderr.String())
			}
			for _, n := range nodes {
				eventually(t, 10*time.Second, n.Name+" gone after the parent got "+sig.String(), func() bool { return processGone(n.PID) })
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	ok := testenv.NodeSpec{Name: "gateway", Command: []string{"toplab", "serve", "gateway", "-addr", "127.0.0.1:${port:http}"}, Ports: []string{"http"}}
	tests := []struct {
		name    string
		mutate  func(*testenv.Spec)
		wantErr string
	}{
		{"valid", func(*testenv.Spec) {}, ""},
		{"no nodes", func(s *testenv.Spec) { s.Nodes = nil }, "no nodes"},
		{"bad name", func(s *testenv.Spec) { s.Nodes[0].Name = "Gate way" }, "name must match"},
		{"duplicate", func(s *testenv.Spec) { s.Nodes = append(s.Nodes, s.Nodes[0]) }, "duplicate name"},
		{"count", func(s *testenv.Spec) { s.Nodes[0].Count = 1000 }, "out of range"},
		{"empty command", func(s *testenv.Spec) { s.Nodes[0].Command = nil }, "empty command"},
		{"unknown port", func(s *testenv.Spec) { s.Nodes[0].Health = "http://127.0.0.1:${port:admin}/healthz" }, `unknown port "admin"`},
		{"unknown placeholder", func(s *testenv.Spec) { s.Nodes[0].Env = []string{"X=${secret}"} }, "unknown placeholder ${secret}"},
		{"malformed placeholder", func(s *testenv.Spec) { s.Nodes[0].Env = []string{"X=${data"} }, "malformed placeholder"},
		{"duplicate port", func(s *testenv.Spec) { s.Nodes[0].Ports = []string{"http", "http"} }, "duplicate port name"},
		{"fixed port not declared", func(s *testenv.Spec) { s.Nodes[0].FixedPorts = map[string]int{"admin": 8890} }, "not among its ports"},
		{"fixed port range", func(s *testenv.Spec) { s.Nodes[0].FixedPorts = map[string]int{"http": 70000} }, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := testenv.Spec{Dir: "/tmp/x", Nodes: []testenv.NodeSpec{ok}}
			spec.Nodes = append([]testenv.NodeSpec(nil), spec.Nodes...)
			tt.mutate(&spec)
			err := spec.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFixedPortsPerInstance(t *testing.T) {
	base, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	spec := testNodeSpec(t.TempDir(), 2)
	spec.Nodes[0].FixedPorts = map[string]int{"http": base}
	sup, err := testenv.NewSupervisor(spec)
	if err != nil {
		t.Fatal(err)
	}
	if p1, p2 := sup.Node("store-1").Port("http"), sup.Node("store-2").Port("http"); p1 != base || p2 != base+1 {
		t.Fatalf("fixed ports %d, %d; want %d, %d", p1, p2, base, base+1)
	}
}

func TestPlaceholdersExpandPerInstance(t *testing.T) {
	dir := t.TempDir()
	self, _ := os.Executable()
	spec := testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{{
		Name:    "push",
		Count:   2,
		Command: []string{self, "-addr", "127.0.0.1:${port:http}"},
		Env:     []string{roleEnv + "=node", "NODE=${node}", "IDX=${index}", "DATA=${data}"},
		Ports:   []string{"http", "ws"},
		Health:  "http://127.0.0.1:${port:http}/healthz",
	}}}
	sup := startSupervisor(t, spec)
	seen := map[int]bool{}
	for i, n := range sup.Nodes() {
		st := n.Status()
		if want := "push-" + strconv.Itoa(i+1); st.Name != want {
			t.Fatalf("instance %d named %s, want %s", i, st.Name, want)
		}
		if st.DataDir != filepath.Join(dir, "data", st.Name) || st.LogPath != filepath.Join(dir, "logs", st.Name+".log") {
			t.Fatalf("folders of %s: %+v", st.Name, st)
		}
		for _, p := range st.Ports {
			if p == 0 || seen[p] {
				t.Fatalf("port %d reused or zero in %+v", p, st.Ports)
			}
			seen[p] = true
		}
		env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(st.PID), "environ"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"NODE=" + st.Name, "IDX=" + strconv.Itoa(i+1), "DATA=" + st.DataDir} {
			if !strings.Contains(string(env), want+"\x00") {
				t.Fatalf("%s environment lacks %s", st.Name, want)
			}
		}
	}
}

// A relative spec folder is made absolute: nodes run in their own data
// folders, where a relative ${data} would point somewhere else.
func TestRelativeSpecDirBecomesAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	sup, err := testenv.NewSupervisor(testenv.Spec{Dir: "runs/x", Nodes: []testenv.NodeSpec{{Name: "n", Command: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	st := sup.Status()
	if len(st) != 1 || !filepath.IsAbs(st[0].DataDir) || !filepath.IsAbs(st[0].LogPath) {
		t.Fatalf("status %+v: want absolute folders", st)
	}
}
