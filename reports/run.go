package reports

import (
	"fmt"
	"time"
)

// Stream kinds.
const (
	KindAPI    = "api"
	KindPush   = "push"
	KindOrders = "orders"
	KindSync   = "sync"
)

// Run is everything one lab run produced; its JSON is summary.json. The
// runner fills it; Write renders it.
type Run struct {
	Scenario string    `json:"scenario"`
	RunID    string    `json:"run_id"`
	Seed     int64     `json:"seed"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Env      Env       `json:"env"`
	Host     Host      `json:"host"`
	Phases   []Phase   `json:"phases,omitempty"`
	Streams  []Stream  `json:"streams,omitempty"`
	// PushE2E is publish-to-receive latency of pushed messages; SyncFreshness
	// how far the seller DB lags the platform. Nil when the run had none.
	PushE2E       *Timeline `json:"push_e2e,omitempty"`
	SyncFreshness *Timeline `json:"sync_freshness,omitempty"`
	Checks        []Check   `json:"checks,omitempty"`
	SLOs          []Verdict `json:"slos,omitempty"`
	// Metrics holds every other figure, flat, keyed by dotted names such as
	// "sync.statements_per_order".
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Noisy flags a run whose timings the host disturbed (see Host); its
	// verdicts stand, but its speed should not be compared with quiet runs.
	Noisy bool `json:"noisy"`
	// Notes are remarks for the reader: what Normalize had to drop, or what
	// the runner wants said (a node that never came up, a skipped stream).
	Notes []string `json:"notes,omitempty"`
}

// Env is what ran: the machine, the build and the system's configuration.
type Env struct {
	Machine   Machine `json:"machine"`
	GoVersion string  `json:"go_version"`
	Commit    string  `json:"commit"`
	// Store and Coord name the store and coordination backends
	// (e.g. "sqlite", "mariadb"; "sqlitefile", "redis").
	Store string            `json:"store"`
	Coord string            `json:"coord"`
	Knobs map[string]string `json:"knobs,omitempty"`
	Nodes []Node            `json:"nodes,omitempty"`
}

// Machine describes the host.
type Machine struct {
	CPUModel    string `json:"cpu_model"`
	Cores       int    `json:"cores"`
	MemoryBytes uint64 `json:"memory_bytes"`
	Kernel      string `json:"kernel"`
	OS          string `json:"os,omitempty"`
}

// Node is one process of the system under test.
type Node struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// PIDs has one entry per start, so restarts (chaos, crashes) are visible.
	PIDs     []int `json:"pids,omitempty"`
	Restarts int   `json:"restarts"`
	// Work is what the node did in the run, read from its metrics at the
	// end (WorkMetric names the counter: calls served, frames pushed ...),
	// so an idle node of a several-node role stands out. A restart resets
	// the counter: then Work counts since the last start.
	Work       float64 `json:"work,omitempty"`
	WorkMetric string  `json:"work_metric,omitempty"`
}

// Phase is a stretch of the run, in seconds since Run.Start. Statistics
// exclude Warmup phases.
type Phase struct {
	Name   string  `json:"name"`
	Start  float64 `json:"start_s"`
	End    float64 `json:"end_s"`
	Warmup bool    `json:"warmup,omitempty"`
}

// Stream is one load stream's results. Requests, Errors and ErrorsByCode
// cover the whole run (every request is judged for correctness); Latency
// excludes the warm-up.
type Stream struct {
	Name string `json:"name"`
	// Kind is one of api, push, orders, sync.
	Kind    string   `json:"kind"`
	Series  []Second `json:"series,omitempty"`
	Latency Latency  `json:"latency"`
	// Requests counts requests with a result, Errors those that failed,
	// ErrorsByCode the failures by outcome ("http_503", "error:timeout", or
	// a TOP error code).
	Requests     uint64            `json:"requests"`
	Errors       uint64            `json:"errors"`
	ErrorsByCode map[string]uint64 `json:"errors_by_code,omitempty"`
}

// Second is one second of a series.
type Second struct {
	// Second counts seconds since Run.Start.
	Second int `json:"second"`
	// Target is what the shape planned in this second; Achieved what was
	// sent (or, for push and sync, delivered).
	Target   float64 `json:"target"`
	Achieved float64 `json:"achieved"`
	Errors   uint64  `json:"errors,omitempty"`
	// Count is how many latencies the second holds; its quantiles are
	// meaningless (and not plotted) when it is zero.
	Count uint64  `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// Timeline is a latency-like measure with its distribution and its course
// over time: push end-to-end latency, sync freshness.
type Timeline struct {
	Latency Latency  `json:"latency"`
	Series  []Second `json:"series,omitempty"`
}

// Check is a correctness verdict over the whole run: messages (nothing
// lost), orders (DB equals platform), api (every request accounted for).
type Check struct {
	Name string `json:"name"`
	Pass bool   `json:"pass"`
	// Figures are the counts behind the verdict: lost, unexpected,
	// duplicates, differences, vanished...
	Figures map[string]int64 `json:"figures,omitempty"`
	Detail  string           `json:"detail,omitempty"`
}

// Pass reports whether every SLO and every check passed. Noise does not fail
// a run.
func (r *Run) Pass() bool { return len(r.Failures()) == 0 }

// Failures lists what failed, one line each, in the run's order: SLOs
// first, then checks.
func (r *Run) Failures() []string {
	var out []string
	for _, v := range r.SLOs {
		if !v.Pass {
			out = append(out, fmt.Sprintf("slo %s: %s", v.Name, v.Describe()))
		}
	}
	for _, c := range r.Checks {
		if !c.Pass {
			out = append(out, fmt.Sprintf("check %s failed: %s", c.Name, c.Detail))
		}
	}
	return out
}

// Stream returns the stream called name, or nil.
func (r *Run) Stream(name string) *Stream {
	for i := range r.Streams {
		if r.Streams[i].Name == name {
			return &r.Streams[i]
		}
	}
	return nil
}

// Warmup returns the end of the last warm-up phase in seconds since the
// start (0 without one): samples before it are excluded from statistics.
func (r *Run) Warmup() float64 {
	end := 0.0
	for _, p := range r.Phases {
		if p.Warmup {
			end = max(end, p.End)
		}
	}
	return end
}

// Duration is the run's wall-clock length.
func (r *Run) Duration() time.Duration { return r.End.Sub(r.Start) }
