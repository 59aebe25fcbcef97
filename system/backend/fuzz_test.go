package backend

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzNode is a node with a few orders for the fuzz targets.
func fuzzNode(f *testing.F) (*Node, int64) {
	n, _ := newTestNode(f, Config{MaxBodyBytes: 4096, MaxInternalBodyBytes: 4096})
	var tid int64
	for i := range 3 {
		v := mustCreate(f, n.Trades(), DemoSeller)
		if i == 0 {
			tid = v.Trade.Tid
		}
	}
	mustApply(f, n.Trades(), tid, Event{Kind: EventPay})
	return n, tid
}

// checkAPIAnswer asserts what any input must get: never a 5xx, always JSON,
// a top.Error with a code on failure, a result object on success.
func checkAPIAnswer(t *testing.T, rec *httptest.ResponseRecorder, okKey string) {
	switch rec.Code {
	case 200:
		var out map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("200 with a bad body: %v: %s", err, rec.Body)
		}
		if _, ok := out[okKey]; !ok {
			t.Fatalf("200 without %s: %s", okKey, rec.Body)
		}
	case 400, 401, 404, 405, 413:
		var e struct {
			Code    int    `json:"code"`
			Msg     string `json:"msg"`
			SubCode string `json:"sub_code"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == 0 || e.Msg == "" || !strings.HasPrefix(e.SubCode, "isv.") {
			t.Fatalf("%d with a bad error body: %v: %s", rec.Code, err, rec.Body)
		}
	default:
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// FuzzTradeAPIParams feeds arbitrary form bodies and identities to the trade
// APIs through the handler.
func FuzzTradeAPIParams(f *testing.F) {
	n, tid := fuzzNode(f)
	methods := []string{MethodTradeFullinfoGet, MethodTradesSoldGet, MethodTradesSoldIncrementGet}
	keys := map[string]string{
		MethodTradeFullinfoGet:       "trade",
		MethodTradesSoldGet:          "trades",
		MethodTradesSoldIncrementGet: "trades",
	}
	f.Add(uint8(0), "tid="+itoa(tid)+"&fields=tid,status,orders", DemoSeller)
	f.Add(uint8(0), "tid=9223372036854775808&fields=tid", DemoSeller)
	f.Add(uint8(1), "fields=tid&page_no=2&page_size=1&status=ALL_WAIT_PAY&use_has_next=1", DemoSeller)
	f.Add(uint8(1), "fields=tid&start_created=2026-11-11+00%3A00%3A00&end_created=2026-11-10+00%3A00%3A00", DemoSeller)
	f.Add(uint8(2), "fields=tid,modified&start_modified=2026-11-11+00%3A00%3A00&end_modified=2026-11-11+23%3A59%3A59", DemoSeller)
	f.Add(uint8(2), "fields=%zz&&&=x&page_size=-1", "")
	f.Add(uint8(1), "fields=tid&page_no=1000000&page_size=100", "seller_0001")
	f.Fuzz(func(t *testing.T, m uint8, body, nick string) {
		method := methods[int(m)%len(methods)]
		r := httptest.NewRequest(http.MethodPost, APIPathPrefix+method, strings.NewReader(body))
		if nick != "" && !strings.ContainsAny(nick, "\r\n\x00") {
			r.Header.Set(HeaderUserNick, nick)
		}
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, r)
		checkAPIAnswer(t, rec, keys[method])
	})
}

// FuzzInternalAPI feeds arbitrary JSON to the create and event endpoints:
// every answer is 2xx, 400, 404, 409 or 413, never a crash or a 5xx, and a
// refused event changes nothing.
func FuzzInternalAPI(f *testing.F) {
	n, tid := fuzzNode(f)
	f.Add(false, `{"event":"ship"}`)
	f.Add(false, `{"event":"refund_create","oid":1}`)
	f.Add(false, `{"event":"modify_fee","payment":"-1"}`)
	f.Add(false, `{"event":"memo","memo":"x","flag":9}`)
	f.Add(false, `{"event":"address_change","receiver":{"receiver_name":"a"}}`)
	f.Add(true, `{"seller_nick":"s","buyer_nick":"b","orders":[{"title":"t","price":"1.00","num":1}]}`)
	f.Add(true, `{"seller_nick":"s","buyer_nick":"b","orders":[{"title":"t","price":"99999999999","num":100000}]}`)
	f.Add(true, `{"tid":-1,"seller_nick":"s","buyer_nick":"b"}`)
	f.Fuzz(func(t *testing.T, create bool, body string) {
		path := "/internal/trades/" + itoa(tid) + "/events"
		if create {
			path = "/internal/trades"
		}
		before, err := n.Trades().Get(context.Background(), tid)
		if err != nil {
			t.Fatal(err)
		}
		seq := n.Trades().LastSeq()
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		switch rec.Code {
		case 200, 201:
			var v versionJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || HashDoc(v.Trade) != v.Hash {
				t.Fatalf("bad version: %v %s", err, rec.Body)
			}
		case 400, 404, 409, 413:
			after, _ := n.Trades().Get(context.Background(), tid)
			if after.Hash != before.Hash || n.Trades().LastSeq() != seq {
				t.Fatalf("a refused call (%d) changed state: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

func FuzzChangesQuery(f *testing.F) {
	f.Add("0", "100", "5s")
	f.Add("-1", "0", "1h")
	f.Add("9223372036854775807", "1000", "")
	f.Fuzz(func(t *testing.T, after, limit, wait string) {
		a, l, w, err := changesQuery(after, limit, wait)
		if err != nil {
			return
		}
		if a < 0 || l < 0 || l > maxChangesLimit || w < 0 {
			t.Fatalf("accepted after=%d limit=%d wait=%v", a, l, w)
		}
	})
}
