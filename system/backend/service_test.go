package backend

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAPIBadRequests(t *testing.T) {
	n, _ := newTestNode(t, Config{MaxBodyBytes: 1024, MaxInternalBodyBytes: 1024})
	tests := []struct {
		name    string
		method  string // HTTP method
		path    string
		body    string
		status  int
		code    int
		subCode string
	}{
		{"unknown method", http.MethodPost, "/api/taobao.nothing.get", "", http.StatusNotFound, 22, "isv.invalid-method"},
		{"GET not allowed", http.MethodGet, "/api/taobao.item.get", "", http.StatusMethodNotAllowed, 9, "isv.http-action-not-allowed"},
		{"oversized body", http.MethodPost, "/api/taobao.item.get", "fields=" + strings.Repeat("x", 2000), http.StatusRequestEntityTooLarge, 43, "isv.request-too-large"},
		{"malformed escape", http.MethodPost, "/api/taobao.item.get", "num_iid=%zz", http.StatusBadRequest, 43, "isv.malformed-parameter"},
		{"duplicate parameter", http.MethodPost, "/api/taobao.item.get", "num_iid=1&num_iid=2", http.StatusBadRequest, 43, "isv.duplicate-parameter"},
		{"invalid UTF-8", http.MethodPost, "/api/taobao.item.get", "fields=%ff", http.StatusBadRequest, 43, "isv.invalid-encoding"},
		{"oversized internal body", http.MethodPost, "/internal/trades", `{"seller_nick":"` + strings.Repeat("x", 2000) + `"}`, http.StatusRequestEntityTooLarge, 43, "isv.request-too-large"},
		{"missing num_iid", http.MethodPost, "/api/taobao.item.get", "fields=title", http.StatusBadRequest, 40, "isv.missing-parameter:num_iid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			n.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			if e := decodeTopError(t, rec.Body.Bytes()); e.Code != tt.code || e.SubCode != tt.subCode {
				t.Fatalf("error %d %s, want %d %s", e.Code, e.SubCode, tt.code, tt.subCode)
			}
		})
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	callAPI(t, n.Handler(), MethodUserSellerGet, DemoSeller, form("fields", "nick"))
	callAPI(t, n.Handler(), MethodUserSellerGet, DemoSeller, form())
	callAPI(t, n.Handler(), "taobao.no.such", DemoSeller, form())
	mustCreate(t, n.Trades(), DemoSeller)

	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`toplab_backend_requests_total{code="200",method="taobao.user.seller.get",service="user"} 1`,
		`toplab_backend_requests_total{code="400",method="taobao.user.seller.get",service="user"} 1`,
		`toplab_backend_requests_total{code="404",method="unknown",service="none"} 1`,
		`toplab_backend_request_duration_seconds_count{method="taobao.user.seller.get",service="user"} 2`,
		`toplab_backend_trade_changes_total{topic="taobao_trade_TradeCreate"} 1`,
		`toplab_backend_trade_change_seq 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("healthz after close %d", rec.Code)
	}
	if status, body := callAPI(t, n.Handler(), MethodTradeFullinfoGet, DemoSeller, form("tid", "1", "fields", "tid")); status != http.StatusServiceUnavailable {
		t.Fatalf("api after close %d %s", status, body)
	}
}

// Failures are logged as JSON with the request id; bodies (buyers' data,
// sessions) never are.
func TestFailureLogHasRequestIDAndNoBody(t *testing.T) {
	var logs bytes.Buffer
	n, _ := newTestNode(t, Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	req := apiRequest(t.Context(), MethodTradeFullinfoGet, DemoSeller, form("tid", "nope", "fields", "tid", "session", "secret-session-key"))
	req.Header.Set(HeaderRequestID, "rid-42")
	n.Handler().ServeHTTP(httptest.NewRecorder(), req)
	var found bool
	dec := json.NewDecoder(&logs)
	for {
		var line map[string]any
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("log is not JSON: %v", err)
		}
		if line["msg"] == "api call failed" && line["request_id"] == "rid-42" && line["sub_code"] == "isv.invalid-parameter:tid" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no failure line with the request id in %s", logs.String())
	}
	if strings.Contains(logs.String(), "secret-session-key") {
		t.Fatal("a secret reached the log")
	}
}
