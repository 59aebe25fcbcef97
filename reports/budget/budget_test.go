package budget

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toplab/toplab/reports"
)

func f(x float64) *float64 { return &x }

// run has api p99 p99ms, a rate of rate/s over its measured seconds and the
// figures the example budgets name.
func run(id string, p99, rate, stmts float64) *reports.Run {
	s := reports.Stream{Name: "api", Kind: reports.KindAPI, Requests: 100000, Errors: 20,
		Latency: reports.Latency{Count: 1000, P50: p99 / 4, P90: p99 / 2, P99: p99, P999: p99 * 1.5, Max: p99 * 2}}
	for sec := range 10 {
		s.Series = append(s.Series, reports.Second{Second: sec, Target: rate, Achieved: rate})
	}
	return &reports.Run{
		Scenario: "smoke", RunID: id,
		Streams: []reports.Stream{s},
		SLOs:    []reports.Verdict{reports.Judge("push e2e p99", "push_e2e", reports.AtMost, 200, 80, "ms")},
		Checks:  []reports.Check{{Name: "messages", Pass: true, Figures: map[string]int64{"lost": 0}}},
		Metrics: map[string]float64{"sync.statements_per_order": stmts},
	}
}

func TestExampleFile(t *testing.T) {
	entries, err := LoadFile(filepath.Join("testdata", "budgets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 || entries[0].Metric != "streams.api.p99" || *entries[0].Max != 50 || entries[0].Line != 6 {
		t.Fatalf("entries %+v", entries)
	}
	if entries[1].Label() != "api throughput holds" || *entries[1].Min != 900 || *entries[1].MaxDecreasePct != 5 {
		t.Errorf("entry 2 %+v", entries[1])
	}
	// Against a baseline with the same figures, the example passes.
	base := run("base", 40, 1000, 2.0)
	res := Evaluate(run("new", 42, 990, 2.1), entries, base)
	if res.Breached() {
		var b bytes.Buffer
		_ = res.WriteTable(&b)
		t.Errorf("example budgets breached:\n%s", b.String())
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"no budgets", "budgets: []\n", "no budgets"},
		{"unknown field", "budgets:\n  - metric: a\n    maxx: 1\n", "line 3"},
		{"no bound", "budgets:\n  - metric: a\n    max: 1\n  - metric: b\n", "line 4: budget 2: metric b: no bound"},
		{"no metric", "budgets:\n  - max: 1\n", "no metric"},
		{"min above max", "budgets:\n  - {metric: a, min: 5, max: 1}\n", "min 5 above max 1"},
		{"negative pct", "budgets:\n  - {metric: a, max_increase_pct: -1}\n", "percentages"},
		{"not a number", "budgets:\n  - {metric: a, max: .nan}\n", "not a number"},
		{"wrong type", "budgets:\n  - {metric: a, max: lots}\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Error("loaded a missing file")
	}
}

func TestParseJSON(t *testing.T) {
	entries, err := Parse([]byte(`{"budgets": [{"metric": "streams.api.p99", "max": 50}, {"metric": "slo:x", "min": 1}]}`))
	if err != nil || len(entries) != 2 || *entries[1].Min != 1 {
		t.Fatalf("json budgets: %v %+v", err, entries)
	}
}

func TestEvaluate(t *testing.T) {
	base := run("base", 40, 1000, 2.0)
	tests := []struct {
		name     string
		entry    Entry
		run      *reports.Run
		baseline *reports.Run
		status   string
		message  string
	}{
		{"tight absolute max fails", Entry{Metric: "streams.api.p99", Max: f(10)}, run("r", 42, 1000, 2), nil, Breach, "streams.api.p99 = 42, want <= 10"},
		{"loose absolute max passes", Entry{Metric: "streams.api.p99", Max: f(100)}, run("r", 42, 1000, 2), nil, Pass, ""},
		{"equal to max passes", Entry{Metric: "streams.api.p99", Max: f(42)}, run("r", 42, 1000, 2), nil, Pass, ""},
		{"min fails", Entry{Metric: "streams.api.rate", Min: f(1200)}, run("r", 42, 1000, 2), nil, Breach, "want >= 1200"},
		{"slo measured", Entry{Metric: "slo:push e2e p99", Max: f(50)}, run("r", 42, 1000, 2), nil, Breach, "slo:push e2e p99 = 80"},
		{"increase within", Entry{Metric: "streams.api.p99", MaxIncreasePct: f(10)}, run("r", 43.9, 1000, 2), base, Pass, ""},
		{"increase beyond", Entry{Metric: "streams.api.p99", MaxIncreasePct: f(10)}, run("r", 44.5, 1000, 2), base, Breach, "want <= 44 (baseline +10%) (+11.2% against the baseline)"},
		{"decrease beyond", Entry{Metric: "streams.api.rate", MaxDecreasePct: f(5)}, run("r", 40, 940, 2), base, Breach, "want >= 950 (baseline -5%)"},
		{"decrease within", Entry{Metric: "streams.api.rate", MaxDecreasePct: f(5)}, run("r", 40, 960, 2), base, Pass, ""},
		{"both bounds, one breached", Entry{Metric: "metrics.sync.statements_per_order", Max: f(3), MaxIncreasePct: f(10)}, run("r", 40, 1000, 2.5), base, Breach, "want <= 2.2 (baseline +10%)"},
		{"missing metric is an error", Entry{Metric: "streams.nope.p99", Max: f(1e9)}, run("r", 40, 1000, 2), nil, Error, "not in the run"},
		{"relative without baseline", Entry{Metric: "streams.api.p99", MaxIncreasePct: f(10)}, run("r", 40, 1000, 2), nil, Error, "without a baseline"},
		{"missing in baseline", Entry{Metric: "metrics.new", MaxIncreasePct: f(10)}, func() *reports.Run {
			r := run("r", 40, 1000, 2)
			r.Metrics["new"] = 1
			return r
		}(), base, Error, "not in the baseline"},
		{"invalid entry", Entry{Metric: "streams.api.p99"}, run("r", 40, 1000, 2), nil, Error, "no bound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(tt.run, []Entry{tt.entry}, tt.baseline)
			o := res.Outcomes[0]
			if o.Status != tt.status || !strings.Contains(o.Message, tt.message) {
				t.Errorf("status %s message %q, want %s containing %q", o.Status, o.Message, tt.status, tt.message)
			}
			if res.Breached() != (tt.status != Pass) {
				t.Errorf("Breached() = %v for status %s", res.Breached(), tt.status)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	entries := []Entry{
		{Metric: "streams.api.p99", Max: f(10)},
		{Name: "rate", Metric: "streams.api.rate", Min: f(500)},
		{Metric: "metrics.absent", Max: f(1)},
	}
	var b bytes.Buffer
	if err := Evaluate(run("r1", 42, 1000, 2), entries, nil).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("table has %d lines, want header, 3 entries, count:\n%s", len(lines), out)
	}
	for i, prefix := range []string{"STATUS", "BREACH  streams.api.p99", "pass    rate", "ERROR   metrics.absent", "budget r1: 1 passed, 1 breached, 1 errors"} {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d %q, want prefix %q", i, lines[i], prefix)
		}
	}
}

func TestWriteJUnit(t *testing.T) {
	entries := []Entry{
		{Metric: "streams.api.p99", Max: f(10)},
		{Name: "rate holds", Metric: "streams.api.rate", Min: f(500)},
		{Metric: "metrics.absent", Max: f(1)},
	}
	var b bytes.Buffer
	if err := Evaluate(run("r1", 42, 1000, 2), entries, nil).WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("junit counts: %+v", doc)
	}
	cases := doc.Suites[0].Cases
	if cases[0].Name != "streams.api.p99" || cases[0].Failure == nil || !strings.Contains(cases[0].Failure.Message, "want <= 10") {
		t.Errorf("breached case %+v", cases[0])
	}
	if cases[1].Name != "rate holds" || cases[1].Failure != nil || cases[1].Error != nil {
		t.Errorf("passing case %+v", cases[1])
	}
	if cases[2].Error == nil || cases[2].Failure != nil {
		t.Errorf("missing metric case %+v", cases[2])
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "budgets.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"budgets":[{"metric":"a","max":1}]}`))
	f.Add([]byte("budgets:\n  - metric: a\n    min: 2\n    max: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Parse(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if err := e.Validate(); err != nil {
				t.Fatalf("Parse returned an invalid entry: %v", err)
			}
		}
		res := Evaluate(run("r", 1, 1, 1), entries, run("b", 1, 1, 1))
		var b bytes.Buffer
		if err := res.WriteJUnit(&b); err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
			t.Fatalf("junit of fuzzed names does not parse: %v", err)
		}
	})
}
