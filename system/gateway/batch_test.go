package gateway_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// postBatch signs the query's system parameters plus the raw body.
func (e *env) postBatch(appKey, secret string, items []*top.Params, public *top.Params, sep string, mutate func(q url.Values, body *string)) (int, []top.Response, *top.Response) {
	e.t.Helper()
	if sep == "" {
		sep = top.DefaultSeparator
	}
	body := string(top.EncodeBatch(public, items, sep))
	var q top.Params
	for k, v := range map[string]string{"app_key": appKey, "v": "2.0", "format": "json", "timestamp": top.FormatTimestamp(now), "sign_method": "md5"} {
		q.Set(k, v)
	}
	query := url.Values{}
	for _, kv := range q.List() {
		query.Set(kv.Name, kv.Value)
	}
	query.Set("sign", top.Sign(top.SignMD5, secret, &q, []byte(body)))
	if mutate != nil {
		mutate(query, &body)
	}
	req, _ := http.NewRequest(http.MethodPost, e.base+gateway.PathBatch+"?"+query.Encode(), strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=utf-8")
	if sep != top.DefaultSeparator {
		req.Header.Set(top.SeparatorHeader, sep)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	parts := top.SplitBatchResponse(raw, sep)
	if len(parts) == 1 {
		if r, err := top.DecodeJSON(parts[0]); err == nil && r.Err != nil && r.Name == "error_response" && len(items) != 1 {
			return resp.StatusCode, nil, &r
		}
	}
	var out []top.Response
	for _, p := range parts {
		r, err := top.DecodeJSON(p)
		if err != nil {
			e.t.Fatalf("batch part %q: %v", p, err)
		}
		out = append(out, r)
	}
	return resp.StatusCode, out, nil
}

func item(kv ...string) *top.Params {
	var p top.Params
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return &p
}

func TestBatchOfThreeAnswersInOrder(t *testing.T) { eachFront(t, testBatchOfThreeAnswersInOrder) }

func testBatchOfThreeAnswersInOrder(t *testing.T, e *env) {
	public := item("session", meta.DemoSession)
	items := []*top.Params{
		item("method", "taobao.trade.fullinfo.get", "tid", "1"),
		item("method", "taobao.no.such"),
		item("method", "taobao.user.seller.get"),
	}
	_, rs, whole := e.postBatch(meta.DemoAppKey, meta.DemoSecret, items, public, "", nil)
	if whole != nil || len(rs) != 3 {
		t.Fatalf("batch: %d parts, whole-batch error %+v", len(rs), whole)
	}
	if rs[0].Err != nil || rs[0].Name != "trade_fullinfo_get_response" {
		t.Fatalf("item 0: %s %v", rs[0].Name, rs[0].Err)
	}
	if rs[1].Err == nil || rs[1].Err.Code != top.CodeInvalidMethod {
		t.Fatalf("item 1: %+v", rs[1].Err)
	}
	if rs[2].Err != nil || rs[2].Name != "user_seller_get_response" {
		t.Fatalf("item 2: %s %v", rs[2].Name, rs[2].Err)
	}
	if got := e.backend.count(); got != 2 {
		t.Fatalf("backend saw %d calls, want 2", got)
	}
	if e.limiter.n.Load() != 2 {
		t.Fatalf("flow control counted %d items, want 2 (each valid item counts)", e.limiter.n.Load())
	}
}

func TestBatchItemSessionOverridesPublic(t *testing.T) {
	e := newEnv(t)
	items := []*top.Params{item("method", "taobao.trade.fullinfo.get", "session", "forged"), item("method", "taobao.trade.fullinfo.get")}
	_, rs, _ := e.postBatch(meta.DemoAppKey, meta.DemoSecret, items, item("session", meta.DemoSession), "||", nil)
	if len(rs) != 2 || rs[0].Err == nil || rs[0].Err.Code != top.CodeInvalidSession || rs[1].Err != nil {
		t.Fatalf("per-item session: %+v", rs)
	}
}

func TestBatchItemsCannotChangeTheBatchsApp(t *testing.T) {
	e := newEnv(t)
	items := []*top.Params{item("method", "toplab.test.echo", "app_key", "basic-app")}
	_, rs, _ := e.postBatch(meta.DemoAppKey, meta.DemoSecret, items, nil, "", nil)
	if len(rs) != 1 || rs[0].Err != nil || e.backend.last().Headers.Get("X-Top-App-Key") != meta.DemoAppKey {
		t.Fatalf("item app override: %+v", rs)
	}
}

func TestWholeBatchFailures(t *testing.T) { eachFront(t, testWholeBatchFailures) }

func testWholeBatchFailures(t *testing.T, e *env) {
	two := []*top.Params{item("method", "toplab.test.echo"), item("method", "toplab.test.echo")}
	tests := []struct {
		name   string
		items  []*top.Params
		mutate func(url.Values, *string)
		code   int
	}{
		{"tampered body", two, func(_ url.Values, b *string) { *b += "\r\n-S-\r\nmethod=toplab.test.echo" }, top.CodeInvalidSignature},
		{"unknown app", two, func(q url.Values, _ *string) { q.Set("app_key", "nobody") }, top.CodeInvalidAppKey},
		{"too many items", func() (ps []*top.Params) {
			for range 51 {
				ps = append(ps, item("method", "toplab.test.echo"))
			}
			return
		}(), nil, top.CodeParameterError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.backend.count()
			_, rs, whole := e.postBatch(meta.DemoAppKey, meta.DemoSecret, tt.items, nil, "", tt.mutate)
			if whole == nil || whole.Err.Code != tt.code || rs != nil {
				t.Fatalf("got parts %v, whole %+v; want one error %d", rs, whole, tt.code)
			}
			if e.backend.count() != before {
				t.Fatal("a rejected batch reached the backend")
			}
		})
	}
	resp, err := http.Get(e.base + gateway.PathBatch + "?format=json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if r, _ := top.DecodeJSON(b); r.Err == nil || r.Err.Code != top.CodeHTTPActionNotAllowed {
		t.Fatalf("GET batch: %s", b)
	}
}
