package reports

import (
	"fmt"
	"math"
	"strconv"
)

// Comparison operators of an SLO.
const (
	AtMost  = "<="
	AtLeast = ">="
)

// Verdict is one SLO judged: Measured against Target with Op.
type Verdict struct {
	Name string `json:"name"`
	// Class groups SLOs: latency, error_rate, push_e2e, sync_freshness,
	// lost_messages, order_differences...
	Class    string  `json:"class"`
	Op       string  `json:"op"`
	Target   float64 `json:"target"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit,omitempty"`
	// Missing says nothing was measured (Measured is 0 then): a failure,
	// never a silent pass.
	Missing bool `json:"missing,omitempty"`
	Pass    bool `json:"pass"`
}

// Judge returns the verdict of measured against target. A NaN or infinite
// measurement (nothing measured) fails and is marked Missing; an unknown op
// fails.
func Judge(name, class, op string, target, measured float64, unit string) Verdict {
	v := Verdict{Name: name, Class: class, Op: op, Target: target, Measured: measured, Unit: unit}
	if math.IsNaN(measured) || math.IsInf(measured, 0) {
		v.Measured, v.Missing = 0, true
		return v
	}
	switch op {
	case AtMost:
		v.Pass = measured <= target
	case AtLeast:
		v.Pass = measured >= target
	}
	return v
}

// Describe says what was measured against what: "61.2 ms, target <= 50 ms".
func (v Verdict) Describe() string {
	if v.Missing {
		return fmt.Sprintf("not measured, target %s %s", v.Op, withUnit(v.Target, v.Unit))
	}
	return fmt.Sprintf("%s, target %s %s", withUnit(v.Measured, v.Unit), v.Op, withUnit(v.Target, v.Unit))
}

func withUnit(x float64, unit string) string {
	if unit == "" {
		return Num(x)
	}
	return Num(x) + " " + unit
}

// Num formats a figure for people: integers as such, others with up to four
// significant digits.
func Num(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'g', -1, 64)
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case math.Abs(x) >= 1000:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}
