package gateway_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
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
