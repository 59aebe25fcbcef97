package gateway_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// inMemoryBackend answers every backend call with a fixed trade over an
// in-memory listener: the pipeline benchmark measures the gateway, not the
// loopback stack.
func inMemoryBackend(b *testing.B) func(string) (net.Conn, error) {
	ln := fasthttputil.NewInmemoryListener()
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBody(fixedTrade) }}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Shutdown(); ln.Close() })
	return func(string) (net.Conn, error) { return ln.Dial() }
}

var fixedTrade = []byte(`{"trade":{"tid":1001,"status":"WAIT_SELLER_SEND_GOODS","modified":"2026-11-11 00:00:01"}}`)

// BenchmarkPipeline is one whole call through every stage, in process: ns/op
// and allocs/op per request.
func BenchmarkPipeline(b *testing.B) {
	dial := inMemoryBackend(b)
	e := newEnv(b, func(cfg *gateway.Config) {
		for name := range cfg.Backends {
			cfg.Backends[name] = gateway.BackendConfig{URL: "http://in-memory", Dial: dial}
		}
	})
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMACSHA256} {
		form := signed(meta.DemoAppKey, meta.DemoSecret, m, map[string]string{
			"method": "taobao.trade.fullinfo.get", "session": meta.DemoSession, "tid": "1001", "fields": "tid,status,modified"}).Encode()
		b.Run("rest/"+m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, e.gw, form)
			}
		})
	}
	form := signed(meta.DemoAppKey, meta.DemoSecret, top.SignMD5, map[string]string{
		"method": "taobao.trade.fullinfo.get", "session": meta.DemoSession, "tid": "1001"}).Encode()
	b.Run("rest/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serve(b, e.gw, form)
			}
		})
	})
}

func serve(b *testing.B, h http.Handler, form string) {
	req := httptest.NewRequest(http.MethodPost, gateway.PathRest, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.HasPrefix(rec.Body.String(), `{"trade_fullinfo_get_response"`) {
		b.Fatalf("call failed: %s", rec.Body.String())
	}
}
