package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/testenv"
)

// exitCode runs bin with args and returns its exit code and output.
func exitCode(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	return exitCodeIn(t, "", bin, args...)
}

// exitCodeIn runs bin in the working folder dir ("" for this one).
func exitCodeIn(t *testing.T, dir, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	return -1, ""
}

// `toplab run smoke` on the embedded default brings the whole system up,
// drives every stream and writes a passing report with every SLO judged;
// then `toplab compare` sets it beside a variant with another knob, and
// `toplab budget` fails a tight budget and passes a loose one.
func TestRunSmokeCompareBudget(t *testing.T) {
	bin := buildToplab(t)
	// A relative -out, as `make smoke` passes it: the nodes, which run in
	// folders of their own, must still find the run's files.
	work := t.TempDir()
	out := filepath.Join(work, "runs")
	code, log := exitCodeIn(t, work, bin, "run", "smoke", "-out", "runs")
	if code != 0 {
		t.Fatalf("toplab run smoke: exit %d\n%s", code, log)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "smoke-*"))
	if len(dirs) != 1 {
		t.Fatalf("want one run folder, got %v", dirs)
	}
	dir := dirs[0]
	for _, f := range []string{"summary.json", "report.html", "summary.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	run, err := reports.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]bool{}
	for _, v := range run.SLOs {
		classes[v.Class] = true
		if v.Missing {
			t.Errorf("verdict %s was not measured", v.Name)
		}
		if v.Name == "lost messages" && v.Measured != 0 {
			t.Errorf("lost messages %v", v.Measured)
		}
		if v.Name == "order differences" && v.Measured != 0 {
			t.Errorf("order differences %v", v.Measured)
		}
	}
	for _, c := range []string{"latency", "error_rate", "push_e2e", "sync_freshness", "lost_messages", "order_differences"} {
		if !classes[c] {
			t.Errorf("no %s verdict in %+v", c, run.SLOs)
		}
	}
	for _, c := range run.Checks {
		if !c.Pass {
			t.Errorf("check %s failed: %s", c.Name, c.Detail)
		}
	}
	if s := run.Stream("orders"); s == nil || s.Requests == 0 {
		t.Errorf("no orders stream: %+v", s)
	}
	// Every node of the two-gateway, two-backend system took its share.
	if len(run.Env.Nodes) != 7 {
		t.Errorf("nodes %+v, want the smoke scenario's 7", run.Env.Nodes)
	}
	for _, n := range run.Env.Nodes {
		if len(n.PIDs) == 0 || n.WorkMetric == "" || n.Work == 0 {
			t.Errorf("node %s: pids %v, work %v %s: want it started and working", n.Name, n.PIDs, n.Work, n.WorkMetric)
		}
	}
	// The push shape's own messages were published, and (lost = 0 above)
	// every acknowledged one arrived.
	if n := run.Metrics["push.published_acked"]; n < 500 {
		t.Errorf("push publisher: %v messages acknowledged, want the shape's ~680", n)
	}

	// compare: the run beside a variant with another knob value.
	variant := *run
	variant.RunID += "-variant"
	variant.Env.Knobs = map[string]string{}
	for k, v := range run.Env.Knobs {
		variant.Env.Knobs[k] = v
	}
	variant.Env.Knobs["sync.write-mode"] = "select-update"
	vdir := filepath.Join(out, "variant")
	if err := reports.Write(vdir, &variant); err != nil {
		t.Fatal(err)
	}
	code, log = exitCode(t, bin, "compare", dir, vdir, "-out", filepath.Join(out, "cmp"))
	if code != 0 || !strings.Contains(log, "sync.write-mode") {
		t.Fatalf("toplab compare: exit %d\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(out, "cmp", "compare.html")); err != nil {
		t.Error(err)
	}

	// budget: a p99 no run can meet breaches, a generous one passes.
	tight := filepath.Join(out, "tight.yaml")
	loose := filepath.Join(out, "loose.yaml")
	os.WriteFile(tight, []byte("budgets:\n  - {metric: streams.api.p99, max: 0.001}\n"), 0o644)
	os.WriteFile(loose, []byte("budgets:\n  - {metric: streams.api.p99, max: 10000}\n  - {metric: streams.api.p99, max_increase_pct: 50}\n"), 0o644)
	junit := filepath.Join(out, "junit.xml")
	if code, log := exitCode(t, bin, "budget", dir, "--budgets", tight, "-junit", junit); code != 1 || !strings.Contains(log, "BREACH") {
		t.Errorf("tight budget: exit %d, want 1\n%s", code, log)
	}
	if b, err := os.ReadFile(junit); err != nil || !strings.Contains(string(b), "<failure") {
		t.Errorf("junit without a failure: %v\n%s", err, b)
	}
	if code, log := exitCode(t, bin, "budget", dir, "--budgets", loose, "--baseline", vdir); code != 0 {
		t.Errorf("loose budget: exit %d, want 0\n%s", code, log)
	}
}

// `toplab run smoke -env containers` (`make smoke ENV=containers`): the same
// system on MariaDB for the sellers' database and Redis for coordination,
// flow control and the metadata cache; every verdict passes.
func TestRunSmokeInContainers(t *testing.T) {
	testenv.NeedDocker(t)
	bin := buildToplab(t)
	out := t.TempDir()
	code, log := exitCode(t, bin, "run", "smoke", "-env", "containers", "-out", out)
	if code != 0 && strings.Contains(log, testenv.ErrNoImage.Error()) {
		testenv.SkipOrFail(t, "no offline server images", "`make images`")
	}
	if code != 0 {
		t.Fatalf("toplab run smoke -env containers: exit %d\n%s", code, log)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "smoke-*"))
	if len(dirs) != 1 {
		t.Fatalf("want one run folder, got %v", dirs)
	}
	run, err := reports.Load(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if run.Env.Store != "mariadb" || run.Env.Coord != "redis" {
		t.Errorf("store %q, coord %q: want mariadb and redis", run.Env.Store, run.Env.Coord)
	}
	for _, v := range run.SLOs {
		if v.Missing || !v.Pass {
			t.Errorf("verdict %s: %+v", v.Name, v)
		}
	}
}
