package sdk

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/toplab/toplab/system/top"
)

const method = "taobao.trade.fullinfo.get"

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		simplify bool
		payload  string // want this payload
		code     int    // or this platform error
		bad      bool   // or ErrBadResponse
	}{
		{"success", `{"trade_fullinfo_get_response":{"trade":{"tid":1},"request_id":"r"}}`, false, `{"trade":{"tid":1},"request_id":"r"}`, 0, false},
		{"error", `{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-access-count","request_id":"r"}}`, false, "", 7, false},
		{"simplified success", ` {"trade":{"tid":1},"request_id":"r"} `, true, `{"trade":{"tid":1},"request_id":"r"}`, 0, false},
		{"simplified one field", `{"request_id":"r"}`, true, `{"request_id":"r"}`, 0, false},
		{"simplified error", `{"error_response":{"code":10,"msg":"x"}}`, true, "", 10, false},
		{"wrapped while simplified", `{"trade_fullinfo_get_response":{"request_id":"r"}}`, true, `{"request_id":"r"}`, 0, false},
		{"result fields named like error fields", `{"trade_fullinfo_get_response":{"code":"SUCCESS","msg":{"a":1},"request_id":"r"}}`, false, `{"code":"SUCCESS","msg":{"a":1},"request_id":"r"}`, 0, false},
		{"error without code", `{"error_response":{"msg":"x"}}`, false, "", 0, true},
		{"wrong wrapper", `{"user_seller_get_response":{"request_id":"r"}}`, false, "", 0, true},
		{"payload not an object", `{"trade_fullinfo_get_response":[1,2]}`, false, "", 0, true},
		{"payload null", `{"trade_fullinfo_get_response":null}`, false, "", 0, true},
		{"two wrappers", `{"a_response":{},"b_response":{}}`, false, "", 0, true},
		{"not json", `<html>502 Bad Gateway</html>`, false, "", 0, true},
		{"not json simplified", `<html>`, true, "", 0, true},
		{"truncated", `{"trade_fullinfo_get_response":{"trade":{"tid":1}`, false, "", 0, true},
		{"truncated simplified", `{"trade":{"tid":1}`, true, "", 0, true},
		{"empty", ``, false, "", 0, true},
		{"null", `null`, true, "", 0, true},
		{"array", `[]`, true, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, err := decodeResponse([]byte(tt.body), method, tt.simplify)
			var te *top.Error
			switch {
			case tt.bad:
				if !errors.Is(err, ErrBadResponse) {
					t.Fatalf("err = %v, want ErrBadResponse", err)
				}
			case tt.code != 0:
				if !errors.As(err, &te) || te.Code != tt.code {
					t.Fatalf("err = %v, want code %d", err, tt.code)
				}
			default:
				if err != nil || string(payload) != tt.payload {
					t.Fatalf("payload %s, err %v; want %s", payload, err, tt.payload)
				}
			}
		})
	}
}

func TestDecodeBatch(t *testing.T) {
	sep := top.DefaultSeparator
	ok := `{"trade_fullinfo_get_response":{"request_id":"a"}}`
	fail := `{"error_response":{"code":41,"msg":"Invalid Arguments","request_id":"b"}}`
	out, err := decodeBatch([]byte(ok+sep+fail+sep+"garbage"), sep, []string{method, method, method}, false)
	if err != nil {
		t.Fatal(err)
	}
	var te *top.Error
	if out[0].Err != nil || !errors.As(out[1].Err, &te) || te.Code != 41 || !errors.Is(out[2].Err, ErrBadResponse) {
		t.Fatalf("results %+v", out)
	}
	out, err = decodeBatch([]byte(`{"error_response":{"code":25,"msg":"Invalid Signature"}}`), sep, []string{method, method}, false)
	if !errors.As(err, &te) || te.Code != 25 || !errors.As(out[1].Err, &te) {
		t.Fatalf("whole-batch error: %v, %+v", err, out)
	}
	if _, err := decodeBatch([]byte(ok), sep, []string{method, method}, false); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("one success for two calls: %v", err)
	}
}

// checkDecoded asserts what every decoded result must satisfy.
func checkDecoded(t *testing.T, payload json.RawMessage, err error) {
	t.Helper()
	if err != nil {
		var te *top.Error
		if errors.As(err, &te) {
			if te.Code == 0 {
				t.Fatalf("platform error without a code: %v", err)
			}
			return
		}
		if !errors.Is(err, ErrBadResponse) {
			t.Fatalf("error is neither *top.Error nor ErrBadResponse: %v", err)
		}
		return
	}
	if !json.Valid(payload) || !isObject(payload) {
		t.Fatalf("payload %q is not a JSON object", payload)
	}
}

func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`{"trade_fullinfo_get_response":{"trade":{"tid":1},"request_id":"r"}}`,
		`{"error_response":{"code":7,"msg":"m","sub_code":"isv.x","sub_msg":"s","request_id":"r"}}`,
		`{"trade":{"tid":1},"request_id":"r"}`,
		`{"trade_fullinfo_get_response":{"trade":`,
		`{"error_response":{"code":"7"}}`,
		`null`, `[]`, `"x"`, ``, `{}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, simplify bool) {
		payload, err := decodeResponse(body, method, simplify)
		checkDecoded(t, payload, err)
		if err == nil { // the response buffer is recycled: the payload must not alias it
			before := string(payload)
			for i := range body {
				body[i] = 'x'
			}
			if string(payload) != before {
				t.Fatal("payload aliases the response body")
			}
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	sep := top.DefaultSeparator
	f.Add([]byte(`{"trade_fullinfo_get_response":{"request_id":"a"}}`+sep+`{"error_response":{"code":41,"msg":"x"}}`), uint8(2), "")
	f.Add([]byte(`{"error_response":{"code":25,"msg":"x"}}`), uint8(3), "")
	f.Add([]byte("a||b||c"), uint8(3), "||")
	f.Fuzz(func(t *testing.T, body []byte, n uint8, sepHeader string) {
		sep, err := checkSeparator(sepHeader)
		if err != nil || n == 0 || n > 20 {
			return
		}
		methods := make([]string, n)
		for i := range methods {
			methods[i] = method
		}
		out, err := decodeBatch(body, sep, methods, false)
		if len(out) != int(n) {
			t.Fatalf("%d results for %d calls", len(out), n)
		}
		for _, r := range out {
			if err != nil && r.Err == nil {
				t.Fatal("whole-batch failure left a slot without an error")
			}
			checkDecoded(t, r.Payload, r.Err)
		}
		if err != nil {
			checkDecoded(t, nil, err)
		}
	})
}
