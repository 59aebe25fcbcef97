package gateway_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
)

// Whatever arrives, the answer is one well-formed envelope, never a panic.
func FuzzServeRest(f *testing.F) {
	e := newEnv(f)
	f.Add("format=json&"+demo(map[string]string{"method": "toplab.test.echo"}).Encode(), "", false)
	f.Add("method=a.b&app_key="+meta.DemoAppKey, "fields=%ff", true)
	f.Add("format=json&v=2.0&sign=00&app_key=x&method=taobao.trade.fullinfo.get", "a=1&a=2", true)
	f.Add("", "", false)
	f.Fuzz(func(t *testing.T, query, body string, post bool) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/router/rest", strings.NewReader(body))
		req.URL.RawQuery = query
		if post {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		out, _ := io.ReadAll(rec.Body)
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			if !json.Valid(out) {
				t.Fatalf("invalid JSON answer %q", out)
			}
			return
		}
		var v any
		if err := xml.Unmarshal(out, &v); err != nil {
			t.Fatalf("malformed XML answer %q: %v", out, err)
		}
	})
}

func FuzzServeBatch(f *testing.F) {
	e := newEnv(f)
	f.Add("format=json&app_key="+meta.DemoAppKey+"&v=2.0&sign=AA&timestamp=x", "#PUBLIC#session=s\r\n-S-\r\nmethod=a.b\r\n-S-\r\nN", "")
	f.Add("", "", "||")
	f.Fuzz(func(t *testing.T, query, body, sep string) {
		req := httptest.NewRequest(http.MethodPost, gateway.PathBatch, strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("top-api-separator", sep)
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Fatalf("HTTP %d, %d bytes", rec.Code, rec.Body.Len())
		}
	})
}

// Admin input is validated: any body gets 200 with a stored object or a 4xx
// with an error, never a panic or a 500.
func FuzzAdminPut(f *testing.F) {
	e := newEnv(f)
	h := gateway.AdminHandler(gateway.AdminConfig{Store: e.store})
	f.Add("app", "a1", `{"key":"a1","secret":"12345678","status":"active"}`)
	f.Add("flowrule", "r1", `{"name":"r1","scope":"api","api":"a.b","window":"second","limit":5,"groups":[{"name":"g","ratio":1,"priority":1}]}`)
	f.Add("session", "s1", `{"key":"s1","app_key":"a1","user_id":-1}`)
	f.Add("seed", "", `{"apps":2,"sessions_per_app":-5}`)
	f.Fuzz(func(t *testing.T, kind, id, body string) {
		var req *http.Request
		if kind == "seed" {
			req = httptest.NewRequest(http.MethodPost, "/admin/seed", strings.NewReader(body))
		} else {
			req = httptest.NewRequest(http.MethodPut, "/admin/meta/x/y", strings.NewReader(body))
			req.URL.Path = "/admin/meta/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: HTTP %d %s", kind, id, body, rec.Code, rec.Body.String())
		}
	})
}
