package loadgen

import (
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Outcomes every run may report besides the classifier's own.
const (
	// OutcomeOK is the outcome that counts as a success.
	OutcomeOK = "ok"
	// OutcomeCanceled marks hits cut off because the run was cancelled; they
	// have no latency and are not errors of the system under test.
	OutcomeCanceled = "canceled"
	// OutcomeExpectedPrefix starts the outcome of a hit that failed on
	// purpose, as the run asked (a bad request sent to check its error
	// code): it is no success, but no error of the system either, so the
	// per-second error counts leave it out.
	OutcomeExpectedPrefix = "expected:"
)

// IsExpected reports whether outcome is an error the run asked for.
func IsExpected(outcome string) bool { return strings.HasPrefix(outcome, OutcomeExpectedPrefix) }

// Classifier names the outcome of one hit; OutcomeOK means success. It runs on
// the recording goroutines for every hit, so it must be cheap, safe for
// concurrent use and must not keep r. Returning a string from a fixed set (not
// one built per call) keeps recording free of allocations.
type Classifier func(r *vegeta.Result) string

var _ Classifier = DefaultClassifier

// httpOutcomes holds "http_<code>" for every three-digit code, built once so
// classifying does not allocate.
var httpOutcomes = func() (names [1000]string) {
	for code := range names {
		names[code] = "http_" + strconv.Itoa(code)
	}
	return names
}()

// errorKinds maps fragments of Go's network error texts to short outcome
// names, most specific first.
var errorKinds = []struct{ fragment, outcome string }{
	{"Client.Timeout", "error:timeout"},
	{"deadline exceeded", "error:timeout"},
	{"i/o timeout", "error:timeout"},
	{"context canceled", "error:canceled"},
	{"connection refused", "error:refused"},
	{"connection reset", "error:reset"},
	{"broken pipe", "error:reset"},
	{"use of closed network connection", "error:closed"},
	{"EOF", "error:eof"},
	{"cannot assign requested address", "error:addr"}, // ephemeral ports exhausted
	{"too many open files", "error:fd"},
	{"no such host", "error:dns"},
	{vegeta.ErrNoTargets.Error(), "error:targeter"},
}

// DefaultClassifier returns OutcomeOK for a 2xx response, "http_<code>" for any
// other response and "error:<kind>" for a hit that got no response (timeout,
// refused, reset, closed, eof, addr, fd, dns, canceled, targeter, other).
func DefaultClassifier(r *vegeta.Result) string {
	switch {
	case r.Code >= 200 && r.Code < 300:
		return OutcomeOK
	case r.Code != 0 && r.Code < 1000:
		return httpOutcomes[r.Code]
	case r.Code != 0:
		return "http_other"
	}
	return ErrorOutcome(r.Error)
}

// ErrorOutcome shortens the text of a transport error to "error:<kind>".
func ErrorOutcome(msg string) string {
	for _, k := range errorKinds {
		if strings.Contains(msg, k.fragment) {
			return k.outcome
		}
	}
	return "error:other"
}
