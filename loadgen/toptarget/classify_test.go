package toptarget

import (
	"maps"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/top"
)

const (
	okJSON   = `{"trade_fullinfo_get_response":{"trade":{"tid":1},"request_id":"r"}}`
	okXML    = `<?xml version="1.0" encoding="utf-8" ?><user_seller_get_response><user><nick>x</nick></user><request_id>r</request_id></user_seller_get_response>`
	err25    = `{"error_response":{"code":25,"msg":"Invalid Signature","request_id":"r"}}`
	err22XML = `<?xml version="1.0" encoding="utf-8" ?><error_response><code>22</code><msg>Invalid Method</msg><request_id>r</request_id></error_response>`
	err7     = `{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","request_id":"r"}}`
	sep      = top.DefaultSeparator
	rest     = "http://gw/router/rest"
	batchURL = "http://gw/router/batch?app_key=a&sign=S"
)

func parts(p ...string) string { return strings.Join(p, sep) }

func TestClassifier(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		code      uint16
		body      string
		err       string
		want      string
		wantCalls map[string]uint64
	}{
		{"ok json", rest, 200, okJSON, "", "ok", map[string]uint64{"ok": 1}},
		{"ok xml", rest, 200, okXML, "", "ok", map[string]uint64{"ok": 1}},
		{"good call refused", rest, 200, err7, "", "top:7", map[string]uint64{"top:7": 1}},
		{"expected", rest + "#expect=25", 200, err25, "", "expected:25", map[string]uint64{"expected:25": 1}},
		{"expected xml", rest + "#expect=22", 200, err22XML, "", "expected:22", map[string]uint64{"expected:22": 1}},
		{"other code", rest + "#expect=31", 200, err25, "", "unexpected:25", map[string]uint64{"unexpected:25": 1}},
		{"bad call accepted", rest + "#expect=25", 200, okJSON, "", "wrong-success", map[string]uint64{"wrong-success": 1}},
		{"not an envelope", rest, 200, `<html>oops</html>`, "", "unclassified", map[string]uint64{"unclassified": 1}},
		{"empty body", rest, 200, ``, "", "unclassified", map[string]uint64{"unclassified": 1}},
		{"foreign fragment", rest + "#top", 200, okJSON, "", "unclassified", map[string]uint64{"unclassified": 1}},
		{"http status", rest, 502, "bad gateway", "502 Bad Gateway", "http_502", map[string]uint64{"http_502": 1}},
		{"no answer for a batch", batchURL + "#batch=3", 0, "", "read: connection reset by peer", "error:reset", map[string]uint64{"error:reset": 3}},
		{"batch ok", batchURL + "#batch=3", 200, parts(okJSON, okJSON, okJSON), "", "ok", map[string]uint64{"ok": 3}},
		{"batch xml ok", batchURL + "#batch=2", 200, parts(okXML, okXML), "", "ok", map[string]uint64{"ok": 2}},
		{"batch with a refused call", batchURL + "#batch=3", 200, parts(okJSON, err7, okJSON), "", "top:7", map[string]uint64{"ok": 2, "top:7": 1}},
		{"batch bad item", batchURL + "#batch=3&item=1&expect=22", 200, parts(okJSON, err22XML, okJSON), "", "expected:22",
			map[string]uint64{"ok": 2, "expected:22": 1}},
		{"batch bad item missed", batchURL + "#batch=3&item=1&expect=22", 200, parts(okJSON, okJSON, err7), "", "wrong-success",
			map[string]uint64{"ok": 1, "wrong-success": 1, "top:7": 1}},
		{"batch refused whole as meant", batchURL + "#batch=3&expect=25", 200, err25, "", "expected:25", map[string]uint64{"expected:25": 3}},
		{"batch refused whole for a bad item", batchURL + "#batch=3&item=0&expect=25", 200, err25, "", "unexpected:25", map[string]uint64{"unexpected:25": 3}},
		{"good batch refused whole", batchURL + "#batch=3", 200, err7, "", "top:7", map[string]uint64{"top:7": 3}},
		{"batch missing parts", batchURL + "#batch=3", 200, parts(okJSON, okJSON), "", "unclassified", map[string]uint64{"unclassified": 3}},
		{"batch one success for many", batchURL + "#batch=3", 200, okJSON, "", "unclassified", map[string]uint64{"unclassified": 3}},
		{"batch garbled part", batchURL + "#batch=2", 200, parts(okJSON, "{"), "", "unclassified", map[string]uint64{"ok": 1, "unclassified": 1}},
		{"batch of one refused whole", batchURL + "#batch=1&expect=31", 200, `{"error_response":{"code":31,"msg":"x"}}`, "", "expected:31", map[string]uint64{"expected:31": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Targeter{}
			r := &vegeta.Result{URL: tc.url, Code: tc.code, Body: []byte(tc.body), Error: tc.err}
			if got := tr.Classifier()(r); got != tc.want {
				t.Fatalf("outcome %q, want %q", got, tc.want)
			}
			if got := tr.Calls().Outcomes; !maps.Equal(got, tc.wantCalls) {
				t.Fatalf("calls %v, want %v", got, tc.wantCalls)
			}
		})
	}
}

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		body string
		a    answer
		code int
	}{
		{okJSON, answerSuccess, 0},
		{"  \n" + okJSON, answerSuccess, 0},
		{okXML, answerSuccess, 0},
		{`<trades_sold_get_response></trades_sold_get_response>`, answerSuccess, 0},
		{err25, answerError, 25},
		{err22XML, answerError, 22},
		// Another layout of the error object: decoded the slow way.
		{`{"error_response":{"msg":"x","code":15,"sub_code":"isv.trade-not-exist"}}`, answerError, 15},
		{`{ "error_response" : { "code" : 40 } }`, answerError, 40},
		{`{"error_response":{"code":0}}`, answerGarbled, 0},
		{`{"error_response":{"code":"25"}}`, answerGarbled, 0},
		{`{"error_response":{"code":007}}`, answerGarbled, 0},
		{`<error_response><code>7x</code></error_response>`, answerGarbled, 0},
		{`<error_response><msg>no code</msg></error_response>`, answerGarbled, 0},
		{`{"_response":{}}`, answerGarbled, 0},
		{`{"trade":{}}`, answerGarbled, 0},
		{`{"trade_get_response":"x"}`, answerGarbled, 0},
		{`{"a\"_response":{}}`, answerGarbled, 0},
		{`<?xml version="1.0"`, answerGarbled, 0},
		{`<html><body>502</body></html>`, answerGarbled, 0},
		{``, answerGarbled, 0},
	}
	for _, tc := range tests {
		a, code := parseEnvelope([]byte(tc.body))
		if a != tc.a || code != tc.code {
			t.Errorf("%q: answer %d code %d, want %d %d", tc.body, a, code, tc.a, tc.code)
		}
	}
}

func TestExpectationRoundTrip(t *testing.T) {
	tests := []struct {
		frag string
		e    expectation
		ok   bool
	}{
		{"", expectation{calls: 1, item: -1}, true},
		{"#expect=25", expectation{calls: 1, code: 25, item: -1}, true},
		{"#batch=20", expectation{calls: 20, batch: true, item: -1}, true},
		{"#batch=20&expect=29", expectation{calls: 20, batch: true, code: 29, item: -1}, true},
		{"#batch=20&item=3&expect=22", expectation{calls: 20, batch: true, code: 22, item: 3}, true},
		{"#batch=2&item=2&expect=22", expectation{}, false},
		{"#item=0&expect=22", expectation{}, false},
		{"#batch=2&item=0", expectation{}, false},
		{"#batch=0", expectation{}, false},
		{"#expect=0", expectation{}, false},
		{"#expect=25&expect=25", expectation{}, false},
		{"#foo=1", expectation{}, false},
		{"#batch=x", expectation{}, false},
	}
	for _, tc := range tests {
		e, ok := parseExpectation("http://gw/router/rest" + tc.frag)
		if ok != tc.ok || (ok && e != tc.e) {
			t.Errorf("%q: %+v %v, want %+v %v", tc.frag, e, ok, tc.e, tc.ok)
		}
		if ok && e.fragment() != tc.frag {
			t.Errorf("%+v renders %q, want %q", e, e.fragment(), tc.frag)
		}
	}
}

// Classifying allocates nothing once the outcome names have been seen.
func TestClassifyDoesNotAllocate(t *testing.T) {
	tr := &Targeter{}
	c := tr.Classifier()
	results := []*vegeta.Result{
		{URL: rest, Code: 200, Body: []byte(okJSON)},
		{URL: rest + "#expect=22", Code: 200, Body: []byte(err22XML)},
		{URL: batchURL + "#batch=3&item=1&expect=22", Code: 200, Body: []byte(parts(okJSON, err22XML, okXML))},
	}
	for _, r := range results {
		c(r)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, r := range results {
			c(r)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per classification round", n)
	}
}
