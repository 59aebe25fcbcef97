package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Table is one section of a page, rendered as Markdown and as HTML from the
// same rows so summary.md and report.html never disagree.
type Table struct {
	Title string
	Head  []string
	Rows  [][]string
	// Status per row: "pass", "fail", "warn" or "" (styles the HTML row).
	Status []string
}

// Add appends a row.
func (t *Table) Add(status string, cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Status = append(t.Status, status)
}

// Fact is one line of a page's heading.
type Fact struct{ Label, Value string }

// verdictWord is how a verdict reads in a table cell.
func verdictWord(pass bool) (word, status string) {
	if pass {
		return "pass", "pass"
	}
	return "FAIL", "fail"
}

// heading returns the h1 and verdict of a run's page.
func heading(r *Run) (title, verdict, status string) {
	title = r.Scenario + " " + r.RunID + ":"
	verdict, status = "PASS", "pass"
	if !r.Pass() {
		verdict, status = "FAIL", "fail"
	}
	if r.Noisy {
		verdict += " (noisy)"
	}
	return title, verdict, status
}

func facts(r *Run) []Fact {
	m := r.Env.Machine
	fs := []Fact{
		{"started", r.Start.UTC().Format(time.RFC3339)},
		{"duration", r.Duration().Round(time.Second).String()},
		{"seed", strconv.FormatInt(r.Seed, 10)},
		{"commit", orDash(r.Env.Commit)},
		{"go", orDash(r.Env.GoVersion)},
		{"store / coord", orDash(r.Env.Store) + " / " + orDash(r.Env.Coord)},
		{"machine", fmt.Sprintf("%s, %d cores, %s, kernel %s, %s", orDash(m.CPUModel), m.Cores, gib(m.MemoryBytes), orDash(m.Kernel), orDash(m.OS))},
		{"host", hostLine(r.Host)},
	}
	if r.Noisy {
		reason := r.Host.NoisyReason
		if reason == "" {
			reason = "flagged by the runner"
		}
		fs = append(fs, Fact{"NOISY", reason + ": timings are not comparable with quiet runs"})
	}
	for _, n := range r.Notes {
		fs = append(fs, Fact{"note", n})
	}
	if fails := r.Failures(); len(fails) > 0 {
		fs = append(fs, Fact{"failed", strings.Join(fails, "; ")})
	}
	return fs
}

func hostLine(h Host) string {
	return fmt.Sprintf("load1 mean %.2f (max %.2f), cpu steal %.1f%%, busy %.1f%%", h.Load1Mean, h.Load1Max, h.CPUStealPct, h.CPUBusyPct)
}

func gib(b uint64) string {
	if b == 0 {
		return "- GiB"
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tables builds every table of the report, in order.
func tables(r *Run) []Table {
	var out []Table
	slo := Table{Title: "SLOs", Head: []string{"SLO", "class", "measured", "target", "verdict"}}
	for _, v := range r.SLOs {
		word, st := verdictWord(v.Pass)
		measured := withUnit(v.Measured, v.Unit)
		if v.Missing {
			measured = "not measured"
		}
		slo.Add(st, v.Name, v.Class, measured, v.Op+" "+withUnit(v.Target, v.Unit), word)
	}
	out = append(out, slo)

	checks := Table{Title: "Checks", Head: []string{"check", "verdict", "figures", "detail"}}
	for _, c := range r.Checks {
		word, st := verdictWord(c.Pass)
		var figs []string
		for _, k := range slices.Sorted(maps.Keys(c.Figures)) {
			figs = append(figs, fmt.Sprintf("%s %d", k, c.Figures[k]))
		}
		checks.Add(st, c.Name, word, strings.Join(figs, ", "), c.Detail)
	}
	out = append(out, checks)

	streams := Table{Title: "Streams", Head: []string{"stream", "kind", "requests", "errors", "error rate", "rate/s", "target/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"}}
	for _, s := range r.Streams {
		rate, target := "-", "-"
		if after := r.Measured(s.Series); len(after) > 0 {
			var a, t float64
			for _, x := range after {
				a += x.Achieved
				t += x.Target
			}
			rate, target = Num(a/float64(len(after))), Num(t/float64(len(after)))
		}
		errRate := "-"
		if s.Requests > 0 {
			errRate = fmt.Sprintf("%.3f%%", 100*float64(s.Errors)/float64(s.Requests))
		}
		l := s.Latency
		streams.Add("", s.Name, s.Kind, strconv.FormatUint(s.Requests, 10), strconv.FormatUint(s.Errors, 10), errRate,
			rate, target, Num(l.P50), Num(l.P90), Num(l.P99), Num(l.P999), Num(l.Max))
	}
	out = append(out, streams)

	codes := Table{Title: "Errors by code", Head: []string{"stream", "code", "count", "share of requests"}}
	for _, s := range r.Streams {
		for _, c := range slices.Sorted(maps.Keys(s.ErrorsByCode)) {
			n := s.ErrorsByCode[c]
			share := "-"
			if s.Requests > 0 {
				share = fmt.Sprintf("%.3f%%", 100*float64(n)/float64(s.Requests))
			}
			codes.Add("", s.Name, c, strconv.FormatUint(n, 10), share)
		}
	}
	out = append(out, codes)

	if r.PushE2E != nil || r.SyncFreshness != nil {
		lat := Table{Title: "Delivery", Head: []string{"measure", "count", "mean ms", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"}}
		for _, m := range []struct {
			name string
			tl   *Timeline
		}{{"push end-to-end", r.PushE2E}, {"sync freshness", r.SyncFreshness}} {
			if m.tl == nil {
				continue
			}
			l := m.tl.Latency
			lat.Add("", m.name, strconv.FormatUint(l.Count, 10), Num(l.Mean), Num(l.P50), Num(l.P90), Num(l.P99), Num(l.P999), Num(l.Max))
		}
		out = append(out, lat)
	}

	phases := Table{Title: "Phases", Head: []string{"phase", "from s", "to s", "warm-up"}}
	for _, p := range r.Phases {
		w := ""
		if p.Warmup {
			w = "yes (excluded from statistics)"
		}
		phases.Add("", p.Name, Num(p.Start), Num(p.End), w)
	}
	out = append(out, phases)

	knobs := Table{Title: "Knobs", Head: []string{"knob", "value"}}
	for _, k := range slices.Sorted(maps.Keys(r.Env.Knobs)) {
		knobs.Add("", k, r.Env.Knobs[k])
	}
	out = append(out, knobs)

	nodes := Table{Title: "Nodes", Head: []string{"node", "role", "pids", "restarts", "work"}}
	for _, n := range r.Env.Nodes {
		pids := make([]string, len(n.PIDs))
		for i, p := range n.PIDs {
			pids[i] = strconv.Itoa(p)
		}
		st := ""
		if n.Restarts > 0 {
			st = "warn"
		}
		work := ""
		if n.WorkMetric != "" {
			work = Num(n.Work) + " " + n.WorkMetric
		}
		nodes.Add(st, n.Name, n.Role, strings.Join(pids, " "), strconv.Itoa(n.Restarts), work)
	}
	out = append(out, nodes)

	if len(r.Metrics) > 0 {
		metrics := Table{Title: "Metrics", Head: []string{"metric", "value"}}
		for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
			metrics.Add("", k, Num(r.Metrics[k]))
		}
		out = append(out, metrics)
	}
	return out
}
