package toptarget

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/top"
)

// decoded is a target taken apart again: its expectation, the batch's
// system parameters (nil for a single call) and each call's parameters
// (a batch item merged over the batch's query).
type decoded struct {
	exp   expectation
	query *top.Params
	calls []*top.Params
}

func decode(t testing.TB, tgt *vegeta.Target) decoded {
	t.Helper()
	u, err := url.Parse(tgt.URL)
	if err != nil {
		t.Fatal(err)
	}
	exp, ok := parseExpectation(tgt.URL)
	if !ok {
		t.Fatalf("target url %q carries no expectation", tgt.URL)
	}
	d := decoded{exp: exp}
	switch u.Path {
	case "/router/rest":
		var p top.Params
		if err := p.ParseForm(string(tgt.Body), top.Limits{}); err != nil {
			t.Fatal(err)
		}
		d.calls = []*top.Params{&p}
	case "/router/batch":
		d.query = new(top.Params)
		if err := d.query.ParseForm(u.RawQuery, top.Limits{}); err != nil {
			t.Fatal(err)
		}
		b, terr := top.ParseBatch(tgt.Body, top.DefaultSeparator, 1000, top.Limits{})
		if terr != nil {
			t.Fatal(terr)
		}
		for i := range b.Items {
			m := b.Merged(i)
			for _, kv := range d.query.List() {
				if !m.Has(kv.Name) {
					m.Set(kv.Name, kv.Value)
				}
			}
			d.calls = append(d.calls, m)
		}
	default:
		t.Fatalf("target path %q", u.Path)
	}
	return d
}

// system returns the parameters that carry the request's identity: the
// query of a batch, the only call's otherwise.
func (d decoded) system() *top.Params {
	if d.query != nil {
		return d.query
	}
	return d.calls[0]
}

// field returns the value of parameter name in a single call's body or a
// batch's query, without decoding the whole target (the statistical tests
// look at many thousands); "" when absent.
func field(tgt *vegeta.Target, name string) string {
	src := string(tgt.Body)
	if _, query, batch := strings.Cut(tgt.URL, "?"); batch {
		src, _, _ = strings.Cut(query, "#")
	}
	for pair := range strings.SplitSeq(src, "&") {
		if v, ok := strings.CutPrefix(pair, name+"="); ok {
			u, err := url.QueryUnescape(v)
			if err != nil {
				return v
			}
			return u
		}
	}
	return ""
}

// generate builds n targets from tr in order.
func generate(t testing.TB, tr *Targeter, n int) []vegeta.Target {
	t.Helper()
	next := tr.Targeter()
	out := make([]vegeta.Target, n)
	for i := range out {
		if err := next(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// send performs one target and returns the result as vegeta records it.
func send(t testing.TB, tgt *vegeta.Target) *vegeta.Result {
	t.Helper()
	req, err := tgt.Request()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &vegeta.Result{Method: tgt.Method, URL: tgt.URL, Code: uint16(resp.StatusCode), Body: body}
}

// only reports whether every outcome is ok or expected:<code>.
func explained(outcomes map[string]uint64) bool {
	for name := range outcomes {
		if name != "ok" && !strings.HasPrefix(name, PrefixExpected) {
			return false
		}
	}
	return true
}
