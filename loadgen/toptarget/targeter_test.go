package toptarget

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

var start = time.Date(2026, 11, 11, 0, 0, 30, 0, top.GMT8)

// offline is a population over bulk tenants with tids for every seller;
// nothing is sent.
func offline(mod ...func(*Config)) Config {
	tids := map[string][]int64{}
	for j := 1; j <= 4; j++ {
		tids[backend.SellerNick(j)] = []int64{int64(1000 + j), int64(2000 + j)}
	}
	cfg := Config{URL: "http://127.0.0.1:1", Bulk: Bulk{Apps: 100, SessionsPerApp: 4}, Tids: tids, Seed: 42, Clock: clock.NewFake(start)}
	for _, m := range mod {
		m(&cfg)
	}
	return cfg
}

func mustNew(t testing.TB, cfg Config) *Targeter {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A seed fixes the sequence of calls; another seed changes it; building
// targets concurrently yields the same set.
func TestSeedFixesTheSequence(t *testing.T) {
	mix := func(c *Config) { c.BatchFraction, c.BadFraction, c.BatchSize = 0.2, 0.2, 3 }
	a := generate(t, mustNew(t, offline(mix)), 500)
	b := generate(t, mustNew(t, offline(mix)), 500)
	for i := range a {
		if !a[i].Equal(&b[i]) {
			t.Fatalf("hit %d differs between two targeters of one seed:\n%s\n%s", i, a[i].Body, b[i].Body)
		}
	}
	other := generate(t, mustNew(t, offline(mix, func(c *Config) { c.Seed = 43 })), 500)
	same := 0
	for i := range a {
		if a[i].Equal(&other[i]) {
			same++
		}
	}
	if same > 50 {
		t.Fatalf("%d of 500 hits equal under another seed", same)
	}

	tr := mustNew(t, offline(mix))
	next := tr.Targeter()
	parallel := make([]vegeta.Target, 500)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(parallel); i += 4 {
				if err := next(&parallel[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	key := func(x vegeta.Target) string { return x.URL + "\x00" + string(x.Body) }
	ka, kp := make([]string, len(a)), make([]string, len(parallel))
	for i := range a {
		ka[i], kp[i] = key(a[i]), key(parallel[i])
	}
	slices.Sort(ka)
	slices.Sort(kp)
	if !slices.Equal(ka, kp) || tr.Issued() != 500 {
		t.Fatalf("concurrent targets differ from sequential ones (issued %d)", tr.Issued())
	}
}

// share fails unless got/n is within tol of want.
func share(t *testing.T, what string, got, n int, want, tol float64) {
	t.Helper()
	if s := float64(got) / float64(n); math.Abs(s-want) > tol {
		t.Errorf("%s: share %.4f, want %.4f +- %.4f", what, s, want, tol)
	}
}

// Shares are checked within 0.02 over 10000 draws: at least 4 binomial
// standard deviations (sd of a share p is sqrt(p(1-p)/n) <= 0.005), and the
// seed is fixed, so the check cannot flake; a weight wrong by a few percent
// fails it.
const draws, tol = 10000, 0.02

func TestMixWithinTolerance(t *testing.T) {
	tr := mustNew(t, offline())
	methods := map[string]int{}
	for i, tgt := range generate(t, tr, draws) {
		methods[field(&tgt, "method")]++
		if i%20 != 0 { // the shape of every 20th call is checked in full
			continue
		}
		d := decode(t, &tgt)
		p := d.calls[0]
		if p.Get("format") != "json" || p.Get("sign_method") != "md5" || d.exp != (expectation{calls: 1, item: -1}) {
			t.Fatalf("defaults: format json, md5, no batch, no defect; got %s", tgt.Body)
		}
		needsSession := !strings.HasPrefix(p.Get("method"), "taobao.item.get")
		if needsSession != p.Has("session") {
			t.Fatalf("session presence wrong: %s", tgt.Body)
		}
		// Session s-<app>-<j> acts for seller_000j, whose tids are 1000+j and 2000+j.
		if p.Get("method") == backend.MethodTradeFullinfoGet && !strings.HasSuffix(p.Get("tid"), p.Get("session")[len(p.Get("session"))-1:]) {
			t.Fatalf("tid %s is not an order of the session's seller (%s)", p.Get("tid"), p.Get("session"))
		}
	}
	var totalWeight float64
	for _, a := range DefaultMix(start) {
		totalWeight += a.Weight
	}
	for _, a := range DefaultMix(start) {
		share(t, a.Method, methods[a.Method], draws, a.Weight/totalWeight, tol)
	}
}

func TestBatchBadSignAndFormatFractions(t *testing.T) {
	tr := mustNew(t, offline(func(c *Config) {
		c.BatchFraction, c.BatchSize, c.BadFraction = 0.25, 2, 0.1
		c.SignMethods = map[top.SignMethod]float64{top.SignMD5: 2, top.SignHMAC: 1, top.SignHMACSHA256: 1}
		c.Formats = map[top.Format]float64{top.FormatJSON: 3, top.FormatXML: 1}
		c.BadKinds = map[BadKind]float64{BadSign: 1, BadMethod: 1}
	}))
	var batches, bad, xml, hmacs, calls int
	kinds := map[int]int{}
	for i, tgt := range generate(t, tr, draws) {
		exp, ok := parseExpectation(tgt.URL)
		if !ok {
			t.Fatalf("url %q", tgt.URL)
		}
		calls += exp.calls
		if exp.batch {
			batches++
			if i%50 == 0 { // every 50th batch is taken apart in full
				if d := decode(t, &tgt); len(d.calls) != 2 || d.exp.calls != 2 {
					t.Fatalf("batch of %d calls, expectation %+v", len(d.calls), d.exp)
				}
			}
		}
		if exp.code != 0 {
			bad++
			kinds[exp.code]++
		}
		if field(&tgt, "format") == "xml" {
			xml++
		}
		if field(&tgt, "sign_method") == "hmac" {
			hmacs++
		}
	}
	share(t, "batches", batches, draws, 0.25, tol)
	share(t, "bad", bad, draws, 0.1, tol)
	share(t, "xml", xml, draws, 0.25, tol)
	share(t, "hmac", hmacs, draws, 0.25, tol)
	share(t, "wrong sign among bad", kinds[top.CodeInvalidSignature], bad, 0.5, 0.05)
	if kinds[top.CodeInvalidMethod]+kinds[top.CodeInvalidSignature] != bad {
		t.Fatalf("kinds %v outside the configured ones", kinds)
	}
	if c := tr.Calls(); c.Issued != uint64(calls) || tr.Issued() != draws {
		t.Fatalf("issued %d calls in %d hits, counted %d in %d", calls, draws, c.Issued, tr.Issued())
	}
}

// The first app gets its Zipf share: (v)^-s over the sum of (v+k)^-s.
func TestZipfSkew(t *testing.T) {
	for _, z := range []Zipf{{}, {S: 0.5, V: 3}} {
		tr := mustNew(t, offline(func(c *Config) { c.Zipf = z }))
		counts := map[string]int{}
		for _, tgt := range generate(t, tr, draws) {
			counts[field(&tgt, "app_key")]++
		}
		zz := z
		if zz.S == 0 {
			zz = Zipf{S: DefaultZipfS, V: DefaultZipfV}
		}
		w := zipfWeights(100, zz)
		var total float64
		for _, x := range w {
			total += x
		}
		first := counts["load-app-000001"]
		share(t, "first app", first, draws, w[0]/total, tol)
		if last := counts["load-app-000100"]; first <= 2*last {
			t.Errorf("zipf %+v: first app %d hits, last %d: no skew", z, first, last)
		}
	}
}

// Each defect is in the request the way the gateway will see it.
func TestDefectsAreInTheRequest(t *testing.T) {
	secret := func(key string) string { return "secret-" + strings.TrimPrefix(key, "load-app-") }
	for _, kind := range BadKindList() {
		for _, batch := range []bool{false, true} {
			tr := mustNew(t, offline(func(c *Config) {
				c.BadFraction, c.BadKinds, c.BatchSize = 1, map[BadKind]float64{kind: 1}, 3
				if batch {
					c.BatchFraction = 1
				}
			}))
			tgt := generate(t, tr, 1)[0]
			d := decode(t, &tgt)
			sys := d.system()
			if d.exp.code != kind.Code() || (d.exp.item >= 0) != (batch && kind.perItem()) {
				t.Fatalf("%s batch=%v: expectation %+v", kind, batch, d.exp)
			}
			var body []byte
			if batch {
				body = tgt.Body
			}
			key := sys.Get("app_key")
			if kind == BadAppKey {
				if key != unknownAppKey {
					t.Fatalf("app key %s", key)
				}
				continue
			}
			signed := top.VerifySign(top.SignMD5, secret(key), sys, body, sys.Get("sign"))
			if signed != (kind != BadSign) {
				t.Fatalf("%s batch=%v: sign verifies %v", kind, batch, signed)
			}
			ts, _ := top.ParseTimestamp(sys.Get("timestamp"))
			if age := start.Sub(ts); (age > top.MaxSkew) != (kind == BadTimestamp) {
				t.Fatalf("%s: timestamp %s is %s old", kind, sys.Get("timestamp"), age)
			}
			var methods, sessions int
			for _, c := range d.calls {
				if c.Get("method") == unknownMethod {
					methods++
				}
				if c.Get("session") == unknownSession {
					sessions++
				}
			}
			if (methods == 1) != (kind == BadMethod) || (sessions == 1) != (kind == BadSession) || methods > 1 || sessions > 1 {
				t.Fatalf("%s batch=%v: %d unknown methods, %d unknown sessions", kind, batch, methods, sessions)
			}
		}
	}
}

func TestTimestampFollowsTheClock(t *testing.T) {
	fake := clock.NewFake(start)
	tr := mustNew(t, offline(func(c *Config) { c.Clock = fake }))
	first := generate(t, tr, 1)[0]
	fake.Advance(90 * time.Second)
	later := generate(t, tr, 1)[0]
	p1, p2 := decode(t, &first).system(), decode(t, &later).system()
	if p1.Get("timestamp") != top.FormatTimestamp(start) || p2.Get("timestamp") != top.FormatTimestamp(start.Add(90*time.Second)) {
		t.Fatalf("timestamps %q then %q", p1.Get("timestamp"), p2.Get("timestamp"))
	}
}

func TestBulkNamesMatchMetaSeed(t *testing.T) {
	apps := bulkApps(Bulk{Apps: 3, SessionsPerApp: 2})
	ma, ms := meta.BulkTenants(3, 2, start)
	if len(apps) != 3 || apps[2].AppKey != ma[2].Key || apps[2].Secret != ma[2].Secret ||
		apps[2].Sessions[1].Key != ms[5].Key || apps[2].Sessions[1].Seller != ms[5].UserNick {
		t.Fatalf("bulk apps %+v do not match meta.BulkTenants", apps)
	}
}

// Spread sends hit n to gateway n mod 3, singles and batches alike, with
// the bad requests' expectations kept in each gateway's URL.
func TestSpreadOverGateways(t *testing.T) {
	bases := []string{"http://127.0.0.1:1", "http://127.0.0.2:2", "http://127.0.0.3:3/"}
	tr := mustNew(t, offline(func(c *Config) {
		c.URL, c.Spread, c.BatchFraction, c.BadFraction = bases[0], bases[1:], 0.3, 0.3
	}))
	var batches, bads int
	for i, tgt := range generate(t, tr, 300) {
		want := strings.TrimRight(bases[i%3], "/") + "/router/"
		if !strings.HasPrefix(tgt.URL, want) {
			t.Fatalf("hit %d went to %s, want %s...", i, tgt.URL, want)
		}
		if strings.Contains(tgt.URL, "/router/batch") {
			batches++
		}
		if strings.Contains(tgt.URL, "#") && !strings.Contains(tgt.URL, "/router/batch") {
			bads++
		}
	}
	if batches == 0 || bads == 0 {
		t.Fatalf("%d batches and %d bad singles in 300 hits: the draw did not cover both", batches, bads)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"bad url", func(c *Config) { c.URL = "127.0.0.1:8800" }, "not an absolute"},
		{"url with fragment", func(c *Config) { c.URL = "http://h/#x" }, "not an absolute"},
		{"bad spread url", func(c *Config) { c.Spread = []string{"http://h:1", "h:2"} }, `"h:2" is not an absolute`},
		{"no apps", func(c *Config) { c.Bulk = Bulk{} }, "no apps"},
		{"no secret", func(c *Config) { c.Apps = []App{{AppKey: "a"}} }, "secret are required"},
		{"negative zipf", func(c *Config) { c.Zipf.S = -1 }, "zipf"},
		{"fraction", func(c *Config) { c.BadFraction = 1.5 }, "fractions"},
		{"nan fraction", func(c *Config) { c.BatchFraction = math.NaN() }, "fractions"},
		{"negative batch", func(c *Config) { c.BatchSize = -1 }, "batch size"},
		{"empty mix", func(c *Config) { c.Mix = []API{} }, "empty api mix"},
		{"zero weight", func(c *Config) { c.Mix = []API{{Method: "a.b"}} }, "weight"},
		{"reserved", func(c *Config) { c.Mix = []API{{Method: "a.b", Weight: 1, Params: map[string]string{"sign": "x"}}} }, "set by the targeter"},
		{"empty pick", func(c *Config) { c.Mix = []API{{Method: "a.b", Weight: 1, Pick: map[string][]string{"x": nil}}} }, "pick"},
		{"tid without orders", func(c *Config) { c.Tids = map[string][]int64{"seller_0001": {1}} }, "has none in Tids"},
		{"session without sessions", func(c *Config) { c.Bulk.SessionsPerApp = 0; c.Tids = nil }, "needs a session"},
		{"unknown bad kind", func(c *Config) { c.BadKinds = map[BadKind]float64{9: 1} }, "bad kind"},
		{"zero bad weights", func(c *Config) { c.BadKinds = map[BadKind]float64{BadSign: 0} }, "weights"},
		{"unknown sign method", func(c *Config) { c.SignMethods = map[top.SignMethod]float64{9: 1} }, "sign method"},
		{"unknown format", func(c *Config) { c.Formats = map[top.Format]float64{7: 1} }, "format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(offline(tc.mod))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// Without tids the default mix leaves out the APIs that need them.
	tr := mustNew(t, offline(func(c *Config) { c.Tids = nil }))
	for _, tgt := range generate(t, tr, 200) {
		if bytes.Contains(tgt.Body, []byte("fullinfo")) {
			t.Fatalf("a tid API without tids: %s", tgt.Body)
		}
	}
}
