package reports_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/reports/budget"
	"github.com/toplab/toplab/reports/compare"
)

// What the CLI does with a run directory: `toplab compare A B` and
// `toplab budget B --budgets FILE --baseline A`.
func Example() {
	root, _ := os.MkdirTemp("", "runs")
	defer os.RemoveAll(root)
	start := time.Date(2025, 11, 11, 0, 0, 0, 0, time.UTC)
	var dirs []string
	for i, p99 := range []float64{40, 48} {
		r := &reports.Run{Scenario: "smoke", RunID: fmt.Sprintf("smoke-%d", i), Start: start, End: start.Add(time.Minute),
			Env:     reports.Env{Knobs: map[string]string{"push.batch": fmt.Sprint(32 << i)}},
			Streams: []reports.Stream{{Name: "api", Kind: reports.KindAPI, Latency: reports.Latency{Count: 100, P99: p99}}},
			SLOs:    []reports.Verdict{reports.Judge("api p99", "latency", reports.AtMost, 50, p99, "ms")}}
		dir := reports.Dir(root, r.Scenario, start.Add(time.Duration(i)*time.Hour))
		if err := reports.Write(dir, r); err != nil { // toplab run: exit 1 unless r.Pass()
			panic(err)
		}
		dirs = append(dirs, dir)
	}

	a, _ := reports.Load(dirs[0])
	b, _ := reports.Load(dirs[1])
	cmp, _ := compare.Compare([]*reports.Run{a, b})
	_ = compare.WriteComparison(filepath.Join(root, "compare"), cmp)
	fmt.Println(cmp.Runs[0].Label, "vs", cmp.Runs[1].Label)

	entries, _ := budget.Parse([]byte("budgets:\n  - {metric: streams.api.p99, max_increase_pct: 10}\n"))
	res := budget.Evaluate(b, entries, a)
	_ = res.WriteTable(os.Stdout)
	fmt.Println("exit 1:", res.Breached())
	// Output:
	// push.batch=32 vs push.batch=64
	// STATUS  BUDGET           VALUE  BASELINE  BOUNDS                 MESSAGE
	// BREACH  streams.api.p99  48     40        <= 44 (baseline +10%)  streams.api.p99 = 48, want <= 44 (baseline +10%) (+20.0% against the baseline)
	// budget smoke-1 against baseline smoke-0: 0 passed, 1 breached, 0 errors
	// exit 1: true
}
