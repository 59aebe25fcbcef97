package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/top"
)

var now = time.Date(2026, 11, 11, 0, 0, 30, 0, top.GMT8)

// seen is what the echo backend received for one call.
type seen struct {
	Method  string
	Form    url.Values
	Headers http.Header
}

// echoBackend is a backend peer speaking the wire contract: it answers
// {"echo":{...}} with what it received, or misbehaves on request.
type echoBackend struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []seen
	delay atomic.Int64                  // nanoseconds to stall each call
	gate  atomic.Pointer[chan struct{}] // when set, calls wait until it is closed
	fail  atomic.Value                  // string: "" | "isv" | "500" | "notjson"
}

func newEchoBackend(t testing.TB) *echoBackend {
	b := &echoBackend{}
	b.fail.Store("")
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		method := strings.TrimPrefix(r.URL.Path, backend.APIPathPrefix)
		b.mu.Lock()
		b.calls = append(b.calls, seen{Method: method, Form: r.PostForm, Headers: r.Header.Clone()})
		b.mu.Unlock()
		if g := b.gate.Load(); g != nil {
			select {
			case <-*g:
			case <-r.Context().Done():
				return
			}
		}
		if d := time.Duration(b.delay.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		switch b.fail.Load().(string) {
		case "isv":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":15,"msg":"Remote Service Error","sub_code":"isv.trade-not-exist","sub_msg":"no such trade"}`)
			return
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
			return
		case "notjson":
			io.WriteString(w, "<html>oops</html>")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"echo": map[string]any{"method": method, "fields": r.PostForm.Get("fields")}})
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *echoBackend) last() seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[len(b.calls)-1]
}

func (b *echoBackend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// countingLimiter admits the first n calls, then rejects as flow control does.
type countingLimiter struct {
	n     atomic.Int64
	limit int64
}

func (l *countingLimiter) Allow(_ context.Context, app, api, _ string) *top.Error {
	if l.n.Add(1) > l.limit {
		return top.Errorf(top.CodeAppCallLimited, top.SubAppAPIAccessCount, "This ban will last for 1 more seconds")
	}
	return nil
}

type env struct {
	t       testing.TB
	store   *meta.SQLStore
	gw      *gateway.Gateway
	base    string // the front's base URL
	backend *echoBackend
	limiter *countingLimiter
	clock   *clock.Fake
}

// newEnv seeds the demo tenant plus test apps and serves a gateway over a
// real SQLite store and metadata cache, with the echo backend behind it.
func newEnv(t testing.TB, tweak ...func(*gateway.Config)) *env {
	t.Helper()
	return newEnvFront(t, "nethttp", tweak...)
}

// eachFront runs fn against the net/http and the fasthttp front.
func eachFront(t *testing.T, fn func(t *testing.T, e *env), tweak ...func(*gateway.Config)) {
	for _, front := range []string{"nethttp", "fasthttp"} {
		t.Run(front, func(t *testing.T) { fn(t, newEnvFront(t, front, tweak...)) })
	}
}

func newEnvFront(t testing.TB, front string, tweak ...func(*gateway.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	objs := meta.DemoTenant(now)
	objs = append(objs,
		meta.API{Name: "toplab.test.echo", Backend: "echo", Fields: map[string]int{"a": 0, "secret": 2}},
		meta.API{Name: "toplab.test.slow", Backend: "echo", Timeout: 200 * time.Millisecond},
		meta.API{Name: "toplab.test.off", Backend: "echo", Disabled: true},
		meta.Package{Name: "basic", APIs: map[string]int{"toplab.test.echo": 0, "toplab.test.slow": 0, "taobao.trade.fullinfo.get": 0}},
		meta.App{Key: meta.DemoAppKey, Secret: meta.DemoSecret, Status: meta.AppActive, Packages: []string{meta.DemoPackage, "basic"}},
		meta.App{Key: "basic-app", Secret: "basic-secret", Status: meta.AppActive, Packages: []string{"basic"}},
		meta.App{Key: "off-app", Secret: "off-secret-1", Status: meta.AppDisabled, Packages: []string{"basic"}},
		meta.App{Key: "walled-app", Secret: "walled-secret", Status: meta.AppActive, Packages: []string{"basic"}, IPWhitelist: []string{"10.1.0.0/16"}},
		meta.Session{Key: "old-session", AppKey: meta.DemoAppKey, UserID: 5, UserNick: "gone", Expires: now.Add(-time.Hour)},
		meta.Session{Key: "basic-session", AppKey: "basic-app", UserID: 6, UserNick: "seller_0006", Expires: now.Add(time.Hour)},
	)
	for _, o := range objs {
		if _, err := meta.Put(ctx, st, o); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := metacache.New(ctx, metacache.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	e := &env{t: t, store: st, backend: newEchoBackend(t), limiter: &countingLimiter{limit: 1 << 40}, clock: clock.NewFake(now)}
	cfg := gateway.Config{
		Metadata: cache, Limiter: e.limiter, Clock: e.clock,
		Backends: map[string]gateway.BackendConfig{
			"echo": {URL: e.backend.srv.URL, MaxConcurrent: 4}, meta.BackendTrade: {URL: e.backend.srv.URL},
			meta.BackendUser: {URL: e.backend.srv.URL}, meta.BackendItem: {URL: e.backend.srv.URL},
		},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	e.gw, err = gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if front == "fasthttp" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := e.gw.FastServer(10 * time.Second)
		go srv.Serve(l)
		t.Cleanup(func() { srv.Shutdown() })
		e.base = "http://" + l.Addr().String()
		return e
	}
	srv := httptest.NewServer(e.gw)
	t.Cleanup(srv.Close)
	e.base = srv.URL
	return e
}

// signed returns the form of a call signed for appKey/secret.
func signed(appKey, secret string, m top.SignMethod, params map[string]string) url.Values {
	var p top.Params
	p.Set("app_key", appKey)
	p.Set("v", "2.0")
	p.Set("format", "json")
	p.Set("timestamp", top.FormatTimestamp(now))
	p.Set("sign_method", m.String())
	for k, v := range params {
		if v == "\x00" { // drop a default
			p.Del(k)
			continue
		}
		p.Set(k, v)
	}
	form := url.Values{}
	for _, kv := range p.List() {
		form.Set(kv.Name, kv.Value)
	}
	form.Set("sign", top.Sign(m, secret, &p, nil))
	return form
}

func demo(params map[string]string) url.Values {
	return signed(meta.DemoAppKey, meta.DemoSecret, top.SignMD5, params)
}

// post sends a form and decodes the JSON envelope.
func (e *env) post(form url.Values) top.Response {
	e.t.Helper()
	resp, err := http.PostForm(e.base+gateway.PathRest, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := top.DecodeJSON(body)
	if err != nil {
		e.t.Fatalf("not a JSON envelope: %v\n%s", err, body)
	}
	if r.RequestID == "" || r.RequestID != resp.Header.Get("Top-Request-Id") {
		e.t.Fatalf("request_id %q, header %q", r.RequestID, resp.Header.Get("Top-Request-Id"))
	}
	return r
}
