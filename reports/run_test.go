package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	tests := []struct {
		name               string
		op                 string
		target, measured   float64
		wantPass, wantMiss bool
	}{
		{"at most, under", AtMost, 50, 49.9, true, false},
		{"at most, equal", AtMost, 50, 50, true, false},
		{"at most, over", AtMost, 50, 50.1, false, false},
		{"at least, over", AtLeast, 100, 120, true, false},
		{"at least, under", AtLeast, 100, 99, false, false},
		{"nothing measured", AtMost, 50, math.NaN(), false, true},
		{"infinite", AtLeast, 1, math.Inf(1), false, true},
		{"unknown op", "<", 50, 1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge("x", "latency", tt.op, tt.target, tt.measured, "ms")
			if v.Pass != tt.wantPass || v.Missing != tt.wantMiss {
				t.Errorf("pass %v missing %v, want %v %v", v.Pass, v.Missing, tt.wantPass, tt.wantMiss)
			}
			if _, err := json.Marshal(v); err != nil {
				t.Errorf("verdict does not encode: %v", err)
			}
		})
	}
}

func TestPassAndFailures(t *testing.T) {
	ok := Judge("p99", "latency", AtMost, 10, 5, "ms")
	bad := Judge("p99", "latency", AtMost, 10, 15, "ms")
	tests := []struct {
		name string
		run  Run
		want []string
	}{
		{"empty run passes", Run{}, nil},
		{"all pass", Run{SLOs: []Verdict{ok}, Checks: []Check{{Name: "messages", Pass: true}}}, nil},
		{"slo fails", Run{SLOs: []Verdict{ok, bad}}, []string{"slo p99: 15 ms, target <= 10 ms"}},
		{"check fails", Run{Checks: []Check{{Name: "orders", Detail: "2 differences"}}}, []string{"check orders failed: 2 differences"}},
		{"noise does not fail", Run{Noisy: true, Host: Host{Noisy: true}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.run.Failures()
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("failures %q, want %q", got, tt.want)
			}
			if tt.run.Pass() != (len(tt.want) == 0) {
				t.Errorf("Pass() = %v", tt.run.Pass())
			}
		})
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	run := sampleRun(t)
	run.Metrics["broken"] = math.NaN()
	run.Host.Noisy, run.Host.NoisyReason = true, "cpu steal 9.0% > 5.0%"
	dir := filepath.Join(t.TempDir(), "runs", "smoke-x")
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	if _, ok := run.Metrics["broken"]; !ok || run.Noisy {
		t.Error("Write changed the caller's run")
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Noisy {
		t.Error("a noisy host did not flag the run noisy")
	}
	if _, ok := got.Metrics["broken"]; ok || len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "broken=NaN") {
		t.Errorf("non-finite metric: metrics %v, notes %q", got.Metrics, got.Notes)
	}
	want, _ := json.Marshal(Normalize(run))
	have, _ := json.Marshal(got)
	if !bytes.Equal(want, have) {
		t.Error("loaded run differs from the written one")
	}
	for _, name := range []string{SummaryJSON, SummaryMD, ReportHTML} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("run dir holds %d files, want 3 (temporaries left?)", len(entries))
	}
	md, _ := os.ReadFile(filepath.Join(dir, SummaryMD))
	if !strings.Contains(string(md), "FAIL (noisy)") || !strings.Contains(string(md), "NOISY") {
		t.Error("summary.md does not flag the noisy run")
	}
	if direct, err := Load(filepath.Join(dir, SummaryJSON)); err != nil || direct.RunID != run.RunID {
		t.Errorf("load by file: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "decode"},
		{"trailing", `{} {}`, "trailing"},
		{"unnamed stream", `{"streams":[{"kind":"api"}]}`, "without a name"},
		{"duplicate stream", `{"streams":[{"name":"a"},{"name":"a"}]}`, "twice"},
		{"series out of order", `{"streams":[{"name":"a","series":[{"second":2},{"second":1}]}]}`, "out of order"},
		{"phase backwards", `{"phases":[{"name":"p","start_s":5,"end_s":1}]}`, "before it starts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if err := Write(t.TempDir(), &Run{Streams: []Stream{{Name: "a"}, {Name: "a"}}}); err == nil {
		t.Error("Write accepted a run Load would reject")
	}
}

func TestLoadMissing(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("loaded a run from an empty directory")
	}
}

func TestDir(t *testing.T) {
	got := Dir("runs", "double11", time.Date(2025, 11, 11, 8, 0, 5, 0, time.FixedZone("CST", 8*3600)))
	if want := filepath.Join("runs", "double11-20251111-000005"); got != want {
		t.Errorf("Dir = %q, want %q", got, want)
	}
}

func TestFigures(t *testing.T) {
	r := sampleRun(t)
	f := r.Figures()
	api := r.Streams[0]
	checks := map[string]float64{
		"streams.api.requests":              1010,
		"streams.api.errors":                7,
		"streams.api.error_rate":            7.0 / 1010,
		"streams.api.p99":                   api.Latency.P99,
		"streams.orders.p50":                r.Streams[1].Latency.P50,
		"push_e2e.p99":                      r.PushE2E.Latency.P99,
		"sync_freshness.max":                r.SyncFreshness.Latency.Max,
		"slo:api p99":                       api.Latency.P99,
		"checks.messages.duplicates":        3,
		"checks.messages.pass":              1,
		"metrics.sync.statements_per_order": 2.5,
		"host.cpu_steal_pct":                0.4,
		"run.duration_s":                    20,
	}
	for k, want := range checks {
		if got, ok := f[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	// rate: the mean of Achieved over seconds 5..19, warm-up excluded.
	var sum float64
	for _, s := range api.Series[5:] {
		sum += s.Achieved
	}
	if got, want := f["streams.api.rate"], sum/15; got != want {
		t.Errorf("rate %v, want %v", got, want)
	}
	empty := (&Run{Streams: []Stream{{Name: "idle"}}}).Figures()
	if _, ok := empty["host.load1_mean"]; ok {
		t.Error("a run without host samples has host figures")
	}
	if _, ok := empty["streams.idle.p99"]; ok {
		t.Error("a stream without latencies has a p99 figure")
	}
	if _, ok := empty["streams.idle.error_rate"]; ok {
		t.Error("a stream without requests has an error rate")
	}
}

func TestIsLatencyFigure(t *testing.T) {
	for name, want := range map[string]bool{
		"streams.api.p99": true, "push_e2e.mean": true, "streams.api.rate": false,
		"metrics.x.p99": false, "slo:api p99": false, "checks.a.max": false,
	} {
		if got := IsLatencyFigure(name); got != want {
			t.Errorf("IsLatencyFigure(%q) = %v", name, got)
		}
	}
}

func TestNum(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 42: "42", 0.12345: "0.1235", 1234.56: "1234.6", 2.5: "2.5", -3: "-3"} {
		if got := Num(x); got != want {
			t.Errorf("Num(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestMeasured(t *testing.T) {
	series := make([]Second, 10)
	for i := range series {
		series[i].Second = i
	}
	tests := []struct {
		name   string
		phases []Phase
		lo, hi int // seconds kept: lo..hi-1
	}{
		{"no phases: all", nil, 0, 10},
		{"warm-up excluded", []Phase{{Name: "w", End: 3, Warmup: true}, {Name: "p", Start: 3, End: 10}}, 3, 10},
		{"partial last second excluded", []Phase{{Name: "p", End: 7.5}}, 0, 7},
		{"warm-up longer than the series", []Phase{{Name: "w", End: 30, Warmup: true}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Run{Phases: tt.phases}).Measured(series)
			if len(got) != tt.hi-tt.lo || (len(got) > 0 && (got[0].Second != tt.lo || got[len(got)-1].Second != tt.hi-1)) {
				t.Errorf("measured %v, want seconds %d..%d", got, tt.lo, tt.hi-1)
			}
		})
	}
}
