package toptarget

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/toplab/toplab/loadgen"
)

// Outcome names the classifier returns besides loadgen's ("ok", "http_<code>",
// "error:<kind>"):
//
//	top:<code>         a call expected to succeed got this error code (7: flow control ...)
//	expected:<code>    a deliberately bad call got the error code it must get
//	unexpected:<code>  a deliberately bad call got another error code
//	wrong-success      a deliberately bad call succeeded
//	unclassified       the body is no TOP envelope, a batch answered with the
//	                   wrong number of parts, or the URL carries no expectation
//	                   the targeter wrote
//
// Codes above 999 share the name <prefix>other.
const (
	PrefixTop           = "top:"
	PrefixExpected      = "expected:"
	PrefixUnexpected    = "unexpected:"
	OutcomeWrongSuccess = "wrong-success"
	OutcomeUnclassified = "unclassified"
)

// codeNames holds "<prefix><code>" for codes 0..999, built once so that
// classifying does not allocate.
type codeNames [1001]string

func newCodeNames(prefix string) *codeNames {
	var n codeNames
	for c := range 1000 {
		n[c] = prefix + strconv.Itoa(c)
	}
	n[1000] = prefix + "other"
	return &n
}

func (n *codeNames) of(code int) string {
	if code < 0 || code > 999 {
		return n[1000]
	}
	return n[code]
}

var (
	topNames        = newCodeNames(PrefixTop)
	expectedNames   = newCodeNames(PrefixExpected)
	unexpectedNames = newCodeNames(PrefixUnexpected)
)

// severity orders outcomes so a batch reports its worst part.
func severity(name string) int {
	switch {
	case name == loadgen.OutcomeOK:
		return 0
	case strings.HasPrefix(name, PrefixExpected):
		return 1
	case name == OutcomeUnclassified:
		return 4
	case name == OutcomeWrongSuccess, strings.HasPrefix(name, PrefixUnexpected):
		return 3
	}
	return 2 // top:<code>, and no answer at all
}

// tally counts outcomes by name; safe for concurrent use, and free of
// allocation once a name has been seen.
type tally struct {
	mu sync.RWMutex
	m  map[string]*atomic.Uint64
}

func (t *tally) add(name string, n uint64) {
	t.mu.RLock()
	c := t.m[name]
	t.mu.RUnlock()
	if c == nil {
		t.mu.Lock()
		if t.m == nil {
			t.m = map[string]*atomic.Uint64{}
		}
		if c = t.m[name]; c == nil {
			c = new(atomic.Uint64)
			t.m[name] = c
		}
		t.mu.Unlock()
	}
	c.Add(n)
}

func (t *tally) snapshot() map[string]uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]uint64, len(t.m))
	for k, c := range t.m {
		out[k] = c.Load()
	}
	return out
}

// Calls counts API calls: a single request is one, a batch BatchSize.
type Calls struct {
	// Issued counts the calls in the targets built.
	Issued uint64
	// Outcomes counts classified calls by outcome: each batch part on its
	// own, every part of a batch that got no per-part answer with the
	// batch's outcome. Hits cut off by cancelling the run are never
	// classified, so they are missing here (loadgen counts them as "canceled").
	Outcomes map[string]uint64
}

// Calls returns the call counts so far.
func (t *Targeter) Calls() Calls {
	return Calls{Issued: t.calls.Load(), Outcomes: t.parts.snapshot()}
}
