package toptarget

import (
	"bytes"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/top"
)

// The envelope reader takes any body: it never panics, an error always has
// a positive code, and on JSON it agrees with system/top's full decoder.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{okJSON, okXML, err25, err22XML, err7, `{"error_response":{"msg":"x","code":15}}`,
		`{ "error_response" : { "code" : 40 } }`, `<?xml?><error_response><code>1</code>`, "", "{", "<"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, code := parseEnvelope(body)
		if (a == answerError) != (code > 0) {
			t.Fatalf("answer %d with code %d", a, code)
		}
		if a != answerError || bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
			return
		}
		r, err := top.DecodeJSON(body)
		if err == nil && r.Err != nil && r.Err.Code != code {
			t.Fatalf("read code %d, the decoder says %d", code, r.Err.Code)
		}
	})
}

// Any URL and body classify without panicking, and every call a hit
// stands for is counted once.
func FuzzClassify(f *testing.F) {
	f.Add("http://gw/router/rest#expect=25", []byte(err25))
	f.Add("http://gw/router/batch?x=1#batch=3&item=1&expect=22", []byte(parts(okJSON, err22XML, okXML)))
	f.Add("http://gw/router/batch#batch=2", []byte(parts(okJSON)))
	f.Fuzz(func(t *testing.T, url string, body []byte) {
		tr := &Targeter{}
		name := tr.Classifier()(&vegeta.Result{URL: url, Code: 200, Body: body})
		if name == "" {
			t.Fatal("empty outcome")
		}
		want := uint64(1)
		if e, ok := parseExpectation(url); ok {
			want = uint64(e.calls)
			if e.fragment() != url[len(url)-len(e.fragment()):] {
				t.Fatalf("expectation %+v does not render back to %q", e, url)
			}
		}
		if got := sum(tr.Calls().Outcomes); got != want {
			t.Fatalf("%d calls counted, want %d", got, want)
		}
	})
}
