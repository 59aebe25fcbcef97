package budget

import (
	"fmt"
	"strings"

	"github.com/toplab/toplab/reports"
)

// Statuses of an outcome.
const (
	Pass   = "pass"
	Breach = "breach"
	// Error: the entry could not be judged (metric missing, no baseline).
	Error = "error"
)

// Outcome is one entry judged.
type Outcome struct {
	Entry Entry `json:"entry"`
	// Value and Base are the run's and the baseline's figure (nil: absent).
	Value *float64 `json:"value,omitempty"`
	Base  *float64 `json:"base,omitempty"`
	// Bounds are the entry's bounds as limits on Value.
	Bounds []Bound `json:"bounds,omitempty"`
	Status string  `json:"status"`
	// Message says what breached or why the entry is an error.
	Message string `json:"message,omitempty"`
}

// Bound is one bound of an entry turned into a limit.
type Bound struct {
	// Kind is max, min, max_increase_pct or max_decrease_pct; Pct the
	// percentage of a relative bound.
	Kind  string  `json:"kind"`
	Pct   float64 `json:"pct,omitempty"`
	Limit float64 `json:"limit"`
	OK    bool    `json:"ok"`
}

// Upper reports whether the bound caps the value from above.
func (b Bound) Upper() bool { return b.Kind == "max" || b.Kind == "max_increase_pct" }

func (b Bound) String() string {
	op := ">="
	if b.Upper() {
		op = "<="
	}
	switch b.Kind {
	case "max_increase_pct":
		return fmt.Sprintf("%s %s (baseline +%s%%)", op, reports.Num(b.Limit), reports.Num(b.Pct))
	case "max_decrease_pct":
		return fmt.Sprintf("%s %s (baseline -%s%%)", op, reports.Num(b.Limit), reports.Num(b.Pct))
	}
	return op + " " + reports.Num(b.Limit)
}

// Result is a run judged against budgets.
type Result struct {
	Scenario string    `json:"scenario"`
	Run      string    `json:"run"`
	Baseline string    `json:"baseline,omitempty"`
	Outcomes []Outcome `json:"outcomes"`
}

// Evaluate judges run (not nil) against entries; baseline may be nil when
// no entry is relative.
func Evaluate(run *reports.Run, entries []Entry, baseline *reports.Run) *Result {
	res := &Result{Scenario: run.Scenario, Run: run.RunID}
	figs := run.Figures()
	var baseFigs map[string]float64
	if baseline != nil {
		res.Baseline = baseline.RunID
		baseFigs = baseline.Figures()
	}
	for _, e := range entries {
		res.Outcomes = append(res.Outcomes, judge(e, figs, baseFigs, baseline != nil))
	}
	return res
}

func judge(e Entry, figs, baseFigs map[string]float64, haveBase bool) Outcome {
	o := Outcome{Entry: e, Status: Error}
	if err := e.Validate(); err != nil {
		o.Message = err.Error()
		return o
	}
	v, ok := figs[e.Metric]
	if !ok {
		o.Message = fmt.Sprintf("metric %s is not in the run", e.Metric)
		return o
	}
	o.Value = &v
	if e.Max != nil {
		o.Bounds = append(o.Bounds, Bound{Kind: "max", Limit: *e.Max})
	}
	if e.Min != nil {
		o.Bounds = append(o.Bounds, Bound{Kind: "min", Limit: *e.Min})
	}
	if e.Relative() {
		if !haveBase {
			o.Message = "relative bound without a baseline run (--baseline)"
			return o
		}
		base, ok := baseFigs[e.Metric]
		if !ok {
			o.Message = fmt.Sprintf("metric %s is not in the baseline run", e.Metric)
			return o
		}
		o.Base = &base
		// Scale by |base| so a negative baseline still bounds the right way.
		if p := e.MaxIncreasePct; p != nil {
			o.Bounds = append(o.Bounds, Bound{Kind: "max_increase_pct", Pct: *p, Limit: base + abs(base)**p/100})
		}
		if p := e.MaxDecreasePct; p != nil {
			o.Bounds = append(o.Bounds, Bound{Kind: "max_decrease_pct", Pct: *p, Limit: base - abs(base)**p/100})
		}
	}
	o.Status = Pass
	var breached []string
	for i := range o.Bounds {
		b := &o.Bounds[i]
		b.OK = (b.Upper() && v <= b.Limit) || (!b.Upper() && v >= b.Limit)
		if !b.OK {
			breached = append(breached, b.String())
		}
	}
	if len(breached) > 0 {
		o.Status = Breach
		o.Message = fmt.Sprintf("%s = %s, want %s", e.Metric, reports.Num(v), strings.Join(breached, " and "))
		if o.Base != nil && *o.Base != 0 {
			o.Message += fmt.Sprintf(" (%+.1f%% against the baseline)", 100*(v-*o.Base)/abs(*o.Base))
		}
	}
	return o
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Counts returns how many entries passed, breached and could not be judged.
func (r *Result) Counts() (pass, breach, errs int) {
	for _, o := range r.Outcomes {
		switch o.Status {
		case Pass:
			pass++
		case Breach:
			breach++
		default:
			errs++
		}
	}
	return pass, breach, errs
}

// Breached reports whether any entry breached or could not be judged: the
// CLI exits 1 then.
func (r *Result) Breached() bool {
	_, b, e := r.Counts()
	return b+e > 0
}
