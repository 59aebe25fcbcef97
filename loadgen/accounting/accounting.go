// Package accounting checks that a run lost nothing: every request the
// generator sent came back as a success or a classified error, and the
// deliberately bad ones got the error they were built for.
//
// The count of requests sent must come from the source, independently of
// the recorder: Counted wraps any vegeta targeter and counts the targets it
// hands out (toptarget.Targeter.Issued does the same). A request that was
// sent but never recorded shows up as Vanished; a result recorded twice, or
// one no target was built for, as Extra.
package accounting

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/toptarget"
)

// Result is the accounting of a run, of hits or of API calls.
type Result struct {
	// Sent counts what the source issued; Recorded what came back with an outcome.
	Sent, Recorded uint64
	// OK counts successes; Expected deliberately bad requests refused with
	// the right code.
	OK, Expected uint64
	// ClassifiedErrors counts the system's refusals by outcome: TOP codes
	// (top:7 ...) and HTTP statuses (http_503 ...).
	ClassifiedErrors map[string]uint64
	// Transport counts requests that got no answer (error:timeout ...): sent
	// and accounted for, and listed because they are no protocol answer.
	Transport map[string]uint64
	// Canceled counts hits cut off by cancelling the run.
	Canceled uint64
	// Unexpected counts bad requests answered wrongly (unexpected:<code>,
	// wrong-success); Unclassified answers no classifier could name
	// (unclassified, error:other, http_other). Anomalies lists both by name.
	Unexpected, Unclassified uint64
	Anomalies                map[string]uint64
	// Vanished counts requests sent but never recorded; Extra results beyond
	// what was sent.
	Vanished, Extra uint64
	// Unsent counts hits the open model had due but never sent (the
	// generator fell behind): reported, not a loss of the system's.
	Unsent uint64
	// Pass: nothing vanished or appeared, no bad request was answered wrongly
	// and every answer was classified.
	Pass bool
}

// Check accounts a run's summary. sent is the number of targets the source
// issued (Counted, toptarget.Targeter.Issued); 0 takes the summary's own
// request count, which only catches a summary whose outcomes do not add up.
func Check(sum *loadgen.Summary, sent uint64) Result {
	if sent == 0 {
		sent = sum.Requests
	}
	r := CheckCounts(sent, sum.Outcomes)
	r.Unsent = sum.Unsent
	if sum.Requests != r.Recorded { // the summary contradicts itself
		r.Pass = false
		r.Anomalies["requests-not-in-outcomes"] = max(sum.Requests, r.Recorded) - min(sum.Requests, r.Recorded)
	}
	return r
}

// CheckCounts accounts outcome counts against the number sent: the hits of
// a summary, or the API calls of toptarget.Targeter.Calls.
func CheckCounts(sent uint64, outcomes map[string]uint64) Result {
	r := Result{Sent: sent, ClassifiedErrors: map[string]uint64{}, Transport: map[string]uint64{}, Anomalies: map[string]uint64{}}
	for name, n := range outcomes {
		if n == 0 {
			continue
		}
		r.Recorded += n
		switch {
		case name == loadgen.OutcomeOK:
			r.OK += n
		case name == loadgen.OutcomeCanceled:
			r.Canceled += n
		case strings.HasPrefix(name, toptarget.PrefixExpected):
			r.Expected += n
		case strings.HasPrefix(name, toptarget.PrefixUnexpected), name == toptarget.OutcomeWrongSuccess:
			r.Unexpected += n
			r.Anomalies[name] += n
		case unclassified(name):
			r.Unclassified += n
			r.Anomalies[name] += n
		case strings.HasPrefix(name, "error:"):
			r.Transport[name] += n
		default: // top:<code>, http_<code>, or any other classifier's name
			r.ClassifiedErrors[name] += n
		}
	}
	if r.Recorded < sent {
		r.Vanished = sent - r.Recorded
	} else {
		r.Extra = r.Recorded - sent
	}
	r.Pass = r.Vanished == 0 && r.Extra == 0 && r.Unexpected == 0 && r.Unclassified == 0
	return r
}

// unclassified reports whether an outcome says no classifier could name it.
func unclassified(name string) bool {
	switch name {
	case toptarget.OutcomeUnclassified, "error:other", "http_other", "":
		return true
	}
	return false
}

// String renders the accounting on one line, listing every name that is
// not a success.
func (r Result) String() string {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "accounting %s: sent %d, recorded %d = ok %d + expected %d + errors %d%s + transport %d%s + canceled %d + unexpected %d + unclassified %d",
		verdict, r.Sent, r.Recorded, r.OK, r.Expected, total(r.ClassifiedErrors), list(r.ClassifiedErrors),
		total(r.Transport), list(r.Transport), r.Canceled, r.Unexpected, r.Unclassified)
	if len(r.Anomalies) > 0 {
		b.WriteString(list(r.Anomalies))
	}
	fmt.Fprintf(&b, "; vanished %d, extra %d, unsent %d", r.Vanished, r.Extra, r.Unsent)
	return b.String()
}

func total(m map[string]uint64) (n uint64) {
	for _, v := range m {
		n += v
	}
	return n
}

// list renders counts as " (a 1, b 2)" in name order, "" when empty.
func list(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// Counted wraps tr and counts the targets it hands out: every call is one
// hit vegeta sends (or records as failed), counted before the recorder
// sees anything. The count is safe to read at any time.
func Counted(tr vegeta.Targeter) (vegeta.Targeter, func() uint64) {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		n.Add(1)
		return tr(t)
	}, n.Load
}
