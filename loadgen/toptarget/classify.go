package toptarget

import (
	"bytes"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/system/top"
)

// Classifier returns the classifier of this targeter's hits: it reads the
// expectation from the hit's URL fragment and the TOP envelope from the body
// (every part of a batch), and counts each call's outcome (Calls). The hit's
// outcome is its worst call's: unclassified, then unexpected or
// wrong-success, then top:<code> or no answer, then expected:<code>, then ok.
// A hit without a 2xx status is named by loadgen.DefaultClassifier. The body
// must be kept whole (loadgen's HTTPOptions.MaxBody 0, the default).
func (t *Targeter) Classifier() loadgen.Classifier { return t.classify }

var separator = []byte(top.DefaultSeparator)

func (t *Targeter) classify(r *vegeta.Result) string {
	e, ok := parseExpectation(r.URL)
	if !ok {
		t.parts.add(OutcomeUnclassified, 1)
		return OutcomeUnclassified
	}
	if r.Code < 200 || r.Code > 299 {
		name := loadgen.DefaultClassifier(r)
		t.parts.add(name, uint64(e.calls))
		return name
	}
	if !e.batch {
		name := outcome(r.Body, e.want(0))
		t.parts.add(name, 1)
		return name
	}
	if n := bytes.Count(r.Body, separator) + 1; n != e.calls {
		name := OutcomeUnclassified
		if n == 1 {
			name = wholeBatch(r.Body, e)
		}
		t.parts.add(name, uint64(e.calls))
		return name
	}
	worst, rank := "", -1
	rest := r.Body
	for i := range e.calls {
		part := rest
		if j := bytes.Index(rest, separator); j >= 0 {
			part, rest = rest[:j], rest[j+len(separator):]
		}
		name := outcome(part, e.want(i))
		t.parts.add(name, 1)
		if s := severity(name); s > rank {
			worst, rank = name, s
		}
	}
	return worst
}

// wholeBatch names a batch answered by one envelope instead of a part per
// call: right only when the whole batch was meant to be refused.
func wholeBatch(body []byte, e expectation) string {
	a, code := parseEnvelope(body)
	switch {
	case a != answerError:
		return OutcomeUnclassified // a success cannot stand for several calls
	case e.code != 0 && e.item >= 0:
		return unexpectedNames.of(code) // one item was bad, not the batch
	}
	return name(a, code, e.code)
}

// outcome names one response (or part) that must carry code want (0: success).
func outcome(body []byte, want int) string {
	a, code := parseEnvelope(body)
	return name(a, code, want)
}

func name(a answer, code, want int) string {
	switch {
	case a == answerGarbled:
		return OutcomeUnclassified
	case want == 0 && a == answerSuccess:
		return loadgen.OutcomeOK
	case want == 0:
		return topNames.of(code)
	case a == answerSuccess:
		return OutcomeWrongSuccess
	case code == want:
		return expectedNames.of(code)
	}
	return unexpectedNames.of(code)
}
