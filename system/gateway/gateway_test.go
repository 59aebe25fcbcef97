package gateway_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

func TestEverySignMethodSucceeds(t *testing.T) { eachFront(t, testEverySignMethodSucceeds) }

func testEverySignMethodSucceeds(t *testing.T, e *env) {
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMAC, top.SignHMACSHA256} {
		t.Run(m.String(), func(t *testing.T) {
			r := e.post(signed(meta.DemoAppKey, meta.DemoSecret, m, map[string]string{
				"method": "taobao.trade.fullinfo.get", "session": meta.DemoSession, "tid": "1001", "fields": "tid,status,receiver_mobile",
			}))
			if r.Err != nil || r.Name != "trade_fullinfo_get_response" {
				t.Fatalf("response %s: %v", r.Name, r.Err)
			}
			got := e.backend.last()
			if got.Method != "taobao.trade.fullinfo.get" || got.Form.Get("tid") != "1001" || got.Form.Get("fields") != "tid,status,receiver_mobile" {
				t.Fatalf("backend got %+v", got)
			}
			for _, sys := range []string{"app_key", "sign", "session", "timestamp", "method"} {
				if got.Form.Has(sys) {
					t.Errorf("system parameter %s passed to the backend", sys)
				}
			}
			if got.Headers.Get(backend.HeaderUserNick) != meta.DemoSeller || got.Headers.Get(backend.HeaderRequestID) != r.RequestID ||
				got.Headers.Get(backend.HeaderAppKey) != meta.DemoAppKey {
				t.Fatalf("identity headers %v (request %s)", got.Headers, r.RequestID)
			}
		})
	}
}

func TestErrorsCarryTheirCodes(t *testing.T) { eachFront(t, testErrorsCarryTheirCodes) }

func testErrorsCarryTheirCodes(t *testing.T, e *env) {
	trade := map[string]string{"method": "taobao.trade.fullinfo.get", "session": meta.DemoSession, "tid": "1"}
	with := func(over map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range trade {
			m[k] = v
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tamper := func(f url.Values) url.Values { f.Set("sign", strings.Repeat("0", 32)); return f }
	tests := []struct {
		name    string
		form    url.Values
		code    int
		subCode string
	}{
		{"wrong sign", tamper(demo(trade)), top.CodeInvalidSignature, ""},
		{"wrong secret", signed(meta.DemoAppKey, "not-the-secret", top.SignHMAC, trade), top.CodeInvalidSignature, ""},
		{"missing method", demo(with(map[string]string{"method": "\x00"})), top.CodeMissingMethod, ""},
		{"unknown method", demo(with(map[string]string{"method": "taobao.no.such"})), top.CodeInvalidMethod, "isv.method-not-exist"},
		{"disabled method", demo(with(map[string]string{"method": "toplab.test.off"})), top.CodeInvalidMethod, "isv.method-disabled"},
		{"unknown app", signed("nobody", "whatever-secret", top.SignMD5, trade), top.CodeInvalidAppKey, "isv.appkey-not-exists"},
		{"disabled app", signed("off-app", "off-secret-1", top.SignMD5, trade), top.CodeInvalidAppKey, "isv.app-disabled"},
		{"stale timestamp", demo(with(map[string]string{"timestamp": top.FormatTimestamp(now.Add(-11 * time.Minute))})), top.CodeInvalidTimestamp, "isv.invalid-parameter:timestamp"},
		{"missing session", demo(with(map[string]string{"session": "\x00"})), top.CodeMissingSession, ""},
		{"unknown session", demo(with(map[string]string{"session": "forged"})), top.CodeInvalidSession, "isv.session-not-exist"},
		{"expired session", demo(with(map[string]string{"session": "old-session"})), top.CodeInvalidSession, "isv.session-expired"},
		{"session of another app", demo(with(map[string]string{"session": "basic-session"})), top.CodeInvalidSession, "isv.session-app-mismatch"},
		{"api not granted", signed("basic-app", "basic-secret", top.SignMD5, map[string]string{"method": "taobao.item.get"}), top.CodeInsufficientISVPerm, "isv.api-not-granted"},
		{"field above level only", signed("basic-app", "basic-secret", top.SignMD5, map[string]string{"method": "toplab.test.echo", "fields": "secret"}), top.CodeInsufficientISVPerm, "isv.field-not-granted"},
		{"huge fields", demo(with(map[string]string{"fields": strings.Repeat("tid,", 300)})), top.CodeInvalidArguments, "isv.invalid-parameter:fields"},
		{"ip not whitelisted", signed("walled-app", "walled-secret", top.SignMD5, map[string]string{"method": "toplab.test.echo"}), top.CodeForbiddenRequest, "isv.ip-not-in-whitelist"},
		{"old version", demo(with(map[string]string{"v": "1.0"})), top.CodeUnsupportedVersion, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(tt.form)
			if r.Err == nil || r.Err.Code != tt.code || r.Err.SubCode != tt.subCode || r.Err.Msg != top.Message(tt.code) {
				t.Fatalf("got %+v, want code %d sub %q", r.Err, tt.code, tt.subCode)
			}
		})
	}
}

func TestBadInputGetsProtocolErrors(t *testing.T) { eachFront(t, testBadInputGetsProtocolErrors) }

func testBadInputGetsProtocolErrors(t *testing.T, e *env) {
	raw := func(method, query, ctype, body string) (int, top.Response, string) {
		req, _ := http.NewRequest(method, e.base+gateway.PathRest+"?"+query, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		r, _ := top.DecodeJSON(b)
		return resp.StatusCode, r, string(b)
	}
	good := demo(map[string]string{"method": "toplab.test.echo"}).Encode()
	tests := []struct {
		name, method, query, ctype, body string
		code                             int
		subCode                          string
	}{
		{"PUT", http.MethodPut, "format=json&" + good, "", "", top.CodeHTTPActionNotAllowed, ""},
		{"duplicate parameter", http.MethodGet, good + "&app_key=other", "", "", top.CodeParameterError, "isv.duplicate-parameter"},
		{"duplicate across query and body", http.MethodPost, "format=json&app_key=x", "application/x-www-form-urlencoded", good, top.CodeParameterError, "isv.duplicate-parameter"},
		{"invalid utf-8", http.MethodGet, good + "&q=%ff%fe", "", "", top.CodeParameterError, "isv.invalid-encoding"},
		{"malformed escape", http.MethodGet, "format=json&q=%zz", "", "", top.CodeParameterError, "isv.malformed-parameter"},
		{"format only in a bad body", http.MethodPost, "", "application/x-www-form-urlencoded", "format=json&q=%zz", top.CodeParameterError, "isv.malformed-parameter"},
		{"json body", http.MethodPost, "format=json", "application/json", "{}", top.CodeParameterError, "isv.unsupported-content-type"},
		{"oversized body", http.MethodPost, "format=json", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", 2<<20), top.CodeParameterError, "isv.request-too-large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r, body := raw(tt.method, tt.query, tt.ctype, tt.body)
			if status != http.StatusOK || r.Err == nil || r.Err.Code != tt.code || r.Err.SubCode != tt.subCode {
				t.Fatalf("HTTP %d, %+v (%.200s); want code %d %s", status, r.Err, body, tt.code, tt.subCode)
			}
		})
	}
}

func TestFieldsTrimmedToTheAppsLevel(t *testing.T) {
	e := newEnv(t)
	r := e.post(signed("basic-app", "basic-secret", top.SignMD5, map[string]string{
		"method": "taobao.trade.fullinfo.get", "session": "basic-session", "fields": "tid,receiver_mobile,payment,nonsense,status"}))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if got := e.backend.last().Form.Get("fields"); got != "tid,status" {
		t.Fatalf("level-0 app's fields = %q, want tid,status", got)
	}
	r = e.post(demo(map[string]string{"method": "taobao.trade.fullinfo.get", "session": meta.DemoSession}))
	if got := e.backend.last().Form.Get("fields"); r.Err != nil || got != "tid,status,modified" {
		t.Fatalf("default fields = %q (%v)", got, r.Err)
	}
}

func TestBackendFailures(t *testing.T) {
	e := newEnv(t)
	call := demo(map[string]string{"method": "toplab.test.echo"})
	for _, tt := range []struct {
		fail, subCode string
		code          int
	}{
		{"isv", "isv.trade-not-exist", top.CodeRemoteServiceError},
		{"500", "isp.remote-service-error", top.CodeRemoteServiceError},
		{"notjson", "isp.invalid-response", top.CodeRemoteServiceError},
	} {
		e.backend.fail.Store(tt.fail)
		if r := e.post(call); r.Err == nil || r.Err.Code != tt.code || r.Err.SubCode != tt.subCode {
			t.Fatalf("backend %s: %+v", tt.fail, r.Err)
		}
	}
	e.backend.fail.Store("")
	e.backend.delay.Store(int64(2 * time.Second))
	r := e.post(demo(map[string]string{"method": "toplab.test.slow"}))
	if r.Err == nil || r.Err.SubCode != "isp.remote-service-timeout" || !r.Err.Retryable() {
		t.Fatalf("slow backend: %+v", r.Err)
	}
}

// A slow backend holds at most its concurrency bound of calls; the excess
// fails at once with code 10 rather than queueing.
func TestSlowBackendCannotExhaustTheGateway(t *testing.T) {
	e := newEnv(t)
	gate := make(chan struct{})
	e.backend.gate.Store(&gate) // the backend holds every call until released
	call := demo(map[string]string{"method": "toplab.test.echo"})
	results := make(chan *top.Error, 12)
	for range 12 {
		go func() { results <- e.post(call).Err }()
	}
	// With 4 calls held by the backend (the bound), the other 8 fail at once.
	for range 8 {
		err := <-results
		if err == nil || err.Code != top.CodeServiceUnavailable || err.SubCode != "isp.backend-overloaded" {
			t.Fatalf("while the backend is stuck: %+v, want code 10 isp.backend-overloaded", err)
		}
	}
	waitUntil(t, "the 4 admitted calls to reach the backend", func() bool { return e.backend.count() == 4 })
	close(gate)
	for range 4 {
		if err := <-results; err != nil {
			t.Fatalf("a held call failed after release: %v", err)
		}
	}
	if n := e.backend.count(); n != 4 {
		t.Fatalf("backend saw %d calls, want the bound of 4", n)
	}
}

func TestFlowControlRejectionIsCode7(t *testing.T) {
	e := newEnv(t)
	e.limiter.limit = 2
	call := demo(map[string]string{"method": "toplab.test.echo"})
	for i := range 2 {
		if r := e.post(call); r.Err != nil {
			t.Fatalf("call %d: %v", i, r.Err)
		}
	}
	r := e.post(call)
	if r.Err == nil || r.Err.Code != top.CodeAppCallLimited || r.Err.SubCode != top.SubAppAPIAccessCount || !strings.Contains(r.Err.SubMsg, "more seconds") {
		t.Fatalf("third call: %+v", r.Err)
	}
	if e.backend.count() != 2 {
		t.Fatalf("rejected call reached the backend")
	}
}

func TestXMLAndSimplify(t *testing.T) { eachFront(t, testXMLAndSimplify) }

func testXMLAndSimplify(t *testing.T, e *env) {
	form := demo(map[string]string{"method": "toplab.test.echo", "format": "xml"})
	resp, err := http.PostForm(e.base+gateway.PathRest, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var v struct {
		XMLName   xml.Name `xml:"test_echo_response"`
		Method    string   `xml:"echo>method"`
		RequestID string   `xml:"request_id"`
	}
	if err := xml.Unmarshal(body, &v); err != nil || v.Method != "toplab.test.echo" || v.RequestID == "" {
		t.Fatalf("xml %s: %+v %v", body, v, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("content type %s", ct)
	}
	form = demo(map[string]string{"method": "toplab.test.echo", "simplify": "true"})
	resp, _ = http.PostForm(e.base+gateway.PathRest, form)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var flat map[string]json.RawMessage
	if err := json.Unmarshal(body, &flat); err != nil || flat["echo"] == nil || flat["request_id"] == nil {
		t.Fatalf("simplified json %s", body)
	}
}

func TestGETWorks(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.base + gateway.PathRest + "?" + demo(map[string]string{"method": "toplab.test.echo"}).Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if r, err := top.DecodeJSON(b); err != nil || r.Err != nil {
		t.Fatalf("GET: %s", b)
	}
}

// A client that never finishes its request header is cut off, on both fronts.
func TestSlowClientIsDisconnected(t *testing.T) {
	e := newEnv(t)
	t.Run("nethttp", func(t *testing.T) {
		srv := e.gw.Server("127.0.0.1:0")
		srv.ReadHeaderTimeout = 100 * time.Millisecond
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		defer srv.Close()
		assertCutOff(t, l.Addr().String())
	})
	t.Run("fasthttp", func(t *testing.T) {
		srv := e.gw.FastServer(100 * time.Millisecond)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		defer srv.Shutdown()
		assertCutOff(t, l.Addr().String())
	})
}

// A connection that never sends a request is closed at the read timeout
// without an answer: an answer would be an unsolicited response to the
// client that later reuses it.
func TestUnusedConnectionClosesSilently(t *testing.T) {
	e := newEnv(t)
	srv := e.gw.FastServer(100 * time.Millisecond)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("server kept an unused connection open")
	}
	if len(got) != 0 {
		t.Fatalf("an unused connection got an answer: %q", got)
	}
}

func assertCutOff(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /router/rest HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("server kept a slow client's connection open")
			}
			return // closed by the server
		}
	}
}
