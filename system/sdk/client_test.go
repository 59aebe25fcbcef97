package sdk

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

func TestCallVerifiesWithEverySignMethod(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 11, 0, 0, 26, 0, top.GMT8))
	params := map[string]string{
		"fields": "tid,status,orders",
		"tid":    "1001",
		"memo":   "a&b=c d+e%f 中文\r\n-S-\r\n",
		"empty":  "",
	}
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMAC, top.SignHMACSHA256} {
		t.Run(m.String(), func(t *testing.T) {
			p := newPeer(t, nil)
			p.now = clk.Now
			c := newTestClient(t, p, func(cfg *Config) { cfg.SignMethod = m; cfg.Clock = clk })
			payload, err := c.Call(testContext(t), "taobao.trade.fullinfo.get", params, "sess-1")
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			e := decodeEcho(t, payload)
			if e.Method != "taobao.trade.fullinfo.get" || e.Session != "sess-1" {
				t.Fatalf("peer saw method %q session %q", e.Method, e.Session)
			}
			for k, v := range params {
				if e.Params[k] != v {
					t.Errorf("param %s: peer saw %q, sent %q", k, e.Params[k], v)
				}
			}
			calls := p.seen()
			if len(calls) != 1 || calls[0].signMethod != m {
				t.Fatalf("peer saw %d calls, sign method %v", len(calls), calls[0].signMethod)
			}
			got := calls[0].params
			if got.Get("v") != "2.0" || got.Get("format") != "json" || got.Get("app_key") != peerAppKey {
				t.Fatalf("system parameters: %v", got.List())
			}
			if got.Get("timestamp") != "2026-11-11 00:00:26" {
				t.Fatalf("timestamp %q, want the fake clock's GMT+8 time", got.Get("timestamp"))
			}
		})
	}
}

func TestCallRejectedSignSurfacesAsTopError(t *testing.T) {
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.Secret = "wrong" })
	_, err := c.Call(testContext(t), "taobao.user.seller.get", nil, "")
	var te *top.Error
	if !errors.As(err, &te) || te.Code != top.CodeInvalidSignature {
		t.Fatalf("err = %v, want code 25", err)
	}
}

// The protocol reference's md5 vector, produced by the client's own
// signing path (the SDK speaks json; the vector was taken with xml).
func TestSigningPathReproducesReferenceVector(t *testing.T) {
	clk := clock.NewFake(time.Date(2013, 5, 6, 5, 52, 3, 0, time.UTC)) // 13:52:03 in GMT+8
	c, err := New(Config{URL: "http://127.0.0.1:1", AppKey: "test", Secret: "test", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	c.format = "xml"
	api, err := paramsOf(map[string]string{"fields": "nick"})
	if err != nil {
		t.Fatal(err)
	}
	p := c.signCall("taobao.user.seller.get", "test", api)
	want := "app_key=test&fields=nick&format=xml&method=taobao.user.seller.get&session=test" +
		"&sign=72CB4D809B375A54502C09360D879C64&sign_method=md5&timestamp=2013-05-06+13%3A52%3A03&v=2.0"
	if got := p.Encode(); got != want {
		t.Fatalf("signed form\n got %s\nwant %s", got, want)
	}
	if got := c.encodeCall("taobao.user.seller.get", "test", api); got != want {
		t.Fatalf("encodeCall = %s", got)
	}
}

func TestBatchSignCoversQueryAndBody(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, top.GMT8))
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMAC, top.SignHMACSHA256} {
		c, err := New(Config{URL: "http://127.0.0.1:1", AppKey: "k", Secret: "s", SignMethod: m, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		body := []byte("#PUBLIC#method=a.b\r\n-S-\r\nx=1")
		q, perr := url.ParseQuery(c.signBatchQuery("sess", body))
		if perr != nil {
			t.Fatal(perr)
		}
		var p top.Params
		for k, v := range q {
			p.Set(k, v[0])
		}
		if !top.VerifySign(m, "s", &p, body, p.Get("sign")) {
			t.Fatalf("%v: batch sign does not verify over query+body", m)
		}
		if top.VerifySign(m, "s", &p, append(body, '2'), p.Get("sign")) {
			t.Fatalf("%v: batch sign does not cover the body", m)
		}
	}
}

func TestCallRejectsReservedParametersWithoutSending(t *testing.T) {
	p := newPeer(t, nil)
	c := newTestClient(t, p, nil)
	for _, name := range []string{"method", "session", "sign", "timestamp", "app_key", "v", "format", "sign_method", "simplify"} {
		_, err := c.Call(testContext(t), "taobao.user.seller.get", map[string]string{name: "x"}, "")
		if !errors.Is(err, ErrReservedParam) {
			t.Errorf("param %s: err = %v, want ErrReservedParam", name, err)
		}
	}
	if _, err := c.Call(testContext(t), "", nil, ""); err == nil {
		t.Error("empty method accepted")
	}
	if rest, _, _ := p.counts(); rest != 0 {
		t.Fatalf("peer received %d requests", rest)
	}
}

func TestSimplifiedResponses(t *testing.T) {
	p := newPeer(t, func(c peerCall) reply {
		if c.params.Get("fail") != "" {
			return reply{err: top.NewError(top.CodeMissingRequiredArgs, "isv.missing-parameter:tid", "tid")}
		}
		return reply{}
	})
	c := newTestClient(t, p, func(cfg *Config) { cfg.Simplify = true })
	payload, err := c.Call(testContext(t), "taobao.trade.fullinfo.get", map[string]string{"tid": "7"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if e := decodeEcho(t, payload); e.Params["tid"] != "7" || p.seen()[0].params.Get("simplify") != "true" {
		t.Fatalf("simplified payload %s", payload)
	}
	_, err = c.Call(testContext(t), "taobao.trade.fullinfo.get", map[string]string{"fail": "1"}, "")
	var te *top.Error
	if !errors.As(err, &te) || te.Code != top.CodeMissingRequiredArgs {
		t.Fatalf("err = %v, want code 40", err)
	}
	res, err := c.Batch(testContext(t), []BatchCall{
		{Method: "taobao.trade.fullinfo.get", Params: map[string]string{"tid": "8"}},
		{Method: "taobao.trade.fullinfo.get", Params: map[string]string{"fail": "1"}},
	})
	if err != nil || res[0].Err != nil || decodeEcho(t, res[0].Payload).Params["tid"] != "8" || !errors.As(res[1].Err, &te) {
		t.Fatalf("simplified batch: %+v, %v", res, err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:8800", AppKey: "k", Secret: "s"}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"relative url", func(c *Config) { c.URL = "/router" }},
		{"ftp url", func(c *Config) { c.URL = "ftp://h/" }},
		{"no app key", func(c *Config) { c.AppKey = "" }},
		{"no secret", func(c *Config) { c.Secret = "" }},
		{"bad sign method", func(c *Config) { c.SignMethod = 9 }},
		{"separator with =", func(c *Config) { c.BatchSeparator = "a=b" }},
		{"separator an item may hold", func(c *Config) { c.BatchSeparator = "abc" }},
		{"separator only #", func(c *Config) { c.BatchSeparator = "#" }},
		{"separator with a newline", func(c *Config) { c.BatchSeparator = "\n||\n" }},
		{"negative attempts", func(c *Config) { c.Retry.MaxAttempts = -1 }},
		{"max below base", func(c *Config) { c.Retry.BaseDelay = time.Second; c.Retry.MaxDelay = time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	c, err := New(Config{URL: "https://gw.example/", AppKey: "k", Secret: "s", BatchSeparator: "||"})
	if err != nil {
		t.Fatal(err)
	}
	if c.restURL != "https://gw.example/router/rest" || c.batchURL != "https://gw.example/router/batch" ||
		c.signMethod != top.SignMD5 || c.batchSize != 20 || c.separator != "||" {
		t.Fatalf("defaults: %+v", c)
	}
	if !strings.HasPrefix(c.encodeCall("a.b", "", nil), "app_key=k&format=json&method=a.b&sign=") {
		t.Fatalf("form %s", c.encodeCall("a.b", "", nil))
	}
}

func TestBanDuration(t *testing.T) {
	tests := []struct {
		err  error
		want time.Duration
		ok   bool
	}{
		{top.Errorf(top.CodeAppCallLimited, top.SubAppAPIAccessCount, "This ban will last for 17 more seconds"), 17 * time.Second, true},
		{&top.Error{Code: top.CodeAppCallExceedsFrequency, Msg: "App Call Exceeds Limited Frequency. This ban will last for 1 more seconds"}, time.Second, true},
		{top.Errorf(top.CodeAppCallLimited, top.SubAppAccessCount, "daily quota used up"), 0, false},
		{top.Errorf(top.CodeAppCallLimited, "", "This ban will last for x more seconds"), 0, false},
		{top.Errorf(top.CodeServiceUnavailable, "", "This ban will last for 3 more seconds"), 0, false},
		{errors.New("This ban will last for 3 more seconds"), 0, false},
	}
	for _, tt := range tests {
		got, ok := BanDuration(tt.err)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BanDuration(%v) = %v, %v; want %v, %v", tt.err, got, ok, tt.want, tt.ok)
		}
	}
}
