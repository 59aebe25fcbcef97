package top

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

func TestResponseName(t *testing.T) {
	for method, want := range map[string]string{
		"taobao.trade.fullinfo.get":   "trade_fullinfo_get_response",
		"taobao.tmc.messages.consume": "tmc_messages_consume_response",
		"taobao.user.seller.get":      "user_seller_get_response",
	} {
		if got := ResponseName(method); got != want {
			t.Errorf("ResponseName(%s) = %s, want %s", method, got, want)
		}
	}
}

func TestAppendSuccessJSON(t *testing.T) {
	body := []byte(` {"trade":{"tid":1001,"status":"WAIT_BUYER_PAY"}} `)
	got, err := AppendSuccess(nil, FormatJSON, false, "taobao.trade.fullinfo.get", body, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"trade_fullinfo_get_response":{"trade":{"tid":1001,"status":"WAIT_BUYER_PAY"},"request_id":"req-1"}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	r, derr := DecodeJSON(got)
	if derr != nil || r.Err != nil || r.Name != "trade_fullinfo_get_response" || r.RequestID != "req-1" {
		t.Fatalf("DecodeJSON = %+v, %v", r, derr)
	}
	simple, _ := AppendSuccess(nil, FormatJSON, true, "taobao.trade.fullinfo.get", []byte(`{}`), `r"2`)
	if string(simple) != `{"request_id":"r\"2"}` {
		t.Fatalf("simplified empty body = %s", simple)
	}
	if _, err := AppendSuccess(nil, FormatJSON, false, "a.b", []byte(`[1,2]`), "r"); err != ErrNotObject {
		t.Fatalf("array body: %v", err)
	}
	if _, err := AppendSuccess(nil, FormatJSON, false, "a.b", []byte(`{"a":`), "r"); err != ErrNotObject {
		t.Fatalf("truncated body: %v", err)
	}
}

func TestAppendSuccessXML(t *testing.T) {
	body := []byte(`{"trades":{"trade":[{"tid":1,"title":"a<b & c"},{"tid":2,"buyer_memo":null}]},"total_results":2,"has_next":false,"9x":"odd key"}`)
	got, err := AppendSuccess(nil, FormatXML, true, "taobao.trades.sold.get", body, "req-9")
	if err != nil {
		t.Fatal(err)
	}
	const want = `<?xml version="1.0" encoding="utf-8" ?><trades_sold_get_response><trades><trade><tid>1</tid><title>a&lt;b &amp; c</title></trade><trade><tid>2</tid></trade></trades><total_results>2</total_results><has_next>false</has_next><_9x>odd key</_9x><request_id>req-9</request_id></trades_sold_get_response>`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var v any
	if err := xml.Unmarshal(got, &v); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
}

// A result may carry fields named like the error fields, of any type.
func TestDecodeJSONSuccessWithItsOwnCodeField(t *testing.T) {
	body, _ := AppendSuccess(nil, FormatJSON, false, "taobao.x.get", []byte(`{"code":"SUCCESS","msg":{"a":1}}`), "r1")
	r, err := DecodeJSON(body)
	if err != nil || r.Err != nil || r.RequestID != "r1" || r.Name != "x_get_response" {
		t.Fatalf("DecodeJSON = %+v, %v", r, err)
	}
}

func TestAppendError(t *testing.T) {
	e := Errorf(CodeAppCallLimited, SubAppAPIAccessCount, "This ban will last for %d more seconds", 17)
	j := AppendError(nil, FormatJSON, e, "rid")
	const wantJSON = `{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-api-access-count","sub_msg":"This ban will last for 17 more seconds","request_id":"rid"}}`
	if string(j) != wantJSON {
		t.Fatalf("got  %s\nwant %s", j, wantJSON)
	}
	r, err := DecodeJSON(j)
	if err != nil || r.Err == nil || *r.Err != *e || r.RequestID != "rid" {
		t.Fatalf("DecodeJSON = %+v (%v), %v", r, r.Err, err)
	}
	x := AppendError(nil, FormatXML, NewError(CodeInvalidSignature, "", ""), "rid")
	const wantXML = `<?xml version="1.0" encoding="utf-8" ?><error_response><code>25</code><msg>Invalid Signature</msg><request_id>rid</request_id></error_response>`
	if string(x) != wantXML {
		t.Fatalf("got  %s\nwant %s", x, wantXML)
	}
	bad := AppendError(nil, FormatJSON, Errorf(CodeParameterError, "isv.x", "bad \xff byte"), "r")
	if !json.Valid(bad) || !strings.Contains(string(bad), `\ufffd`) {
		t.Fatalf("invalid UTF-8 leaked into JSON: %s", bad)
	}
}

func TestErrorRetryable(t *testing.T) {
	if !NewError(CodeServiceUnavailable, "", "").Retryable() || !NewError(CodeRemoteServiceError, "isp.remote-timeout", "").Retryable() {
		t.Fatal("platform errors not retryable")
	}
	if NewError(CodeInvalidSignature, "", "").Retryable() || NewError(CodeAppCallLimited, SubAppAccessCount, "").Retryable() || NewError(CodeRemoteServiceError, "isv.invalid-parameter", "").Retryable() {
		t.Fatal("caller errors retryable")
	}
}

func FuzzAppendSuccess(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,"x",null,true]}}`))
	f.Add([]byte(`{"":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		j, err := AppendSuccess(nil, FormatJSON, false, "taobao.x.get", body, "r")
		if err != nil {
			return
		}
		if !json.Valid(j) {
			t.Fatalf("invalid JSON envelope %s", j)
		}
		x, err := AppendSuccess(nil, FormatXML, false, "taobao.x.get", body, "r")
		if err != nil {
			t.Fatalf("JSON accepted but XML failed: %v", err)
		}
		var v any
		if err := xml.Unmarshal(x, &v); err != nil {
			t.Fatalf("malformed XML %s: %v", x, err)
		}
	})
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"e3f0e10b-1", `a"b`, "<&>", "\x00\x1f", "保温杯", "\xff", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	})
}
