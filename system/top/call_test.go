package top

import (
	"testing"
	"time"
)

func TestParseCall(t *testing.T) {
	const base = "method=taobao.trade.fullinfo.get&app_key=10000001&sign=ABC&v=2.0"
	tests := []struct {
		name     string
		form     string
		wantCode int
	}{
		{"valid", base, 0},
		{"bad format", base + "&format=yaml", CodeInvalidFormat},
		{"missing method", "app_key=1&sign=A&v=2.0", CodeMissingMethod},
		{"malformed method", "method=Taobao..x&app_key=1&sign=A&v=2.0", CodeInvalidMethod},
		{"missing app key", "method=a.b&sign=A&v=2.0", CodeMissingAppKey},
		{"missing sign", "method=a.b&app_key=1&v=2.0", CodeMissingSignature},
		{"bad sign method", base + "&sign_method=sha1", CodeInvalidSignature},
		{"missing version", "method=a.b&app_key=1&sign=A", CodeMissingVersion},
		{"old version", "method=a.b&app_key=1&sign=A&v=1.0", CodeUnsupportedVersion},
		{"garbage version", "method=a.b&app_key=1&sign=A&v=two", CodeInvalidVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCall(mustParams(t, tt.form))
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Fatalf("unexpected %v", err)
			case tt.wantCode != 0 && (err == nil || err.Code != tt.wantCode):
				t.Fatalf("got %v, want code %d", err, tt.wantCode)
			case err != nil && err.Msg != Message(tt.wantCode):
				t.Fatalf("msg %q, want %q", err.Msg, Message(tt.wantCode))
			}
		})
	}
}

func TestParseCallFields(t *testing.T) {
	c, err := ParseCall(mustParams(t, "method=taobao.user.seller.get&app_key=1&sign=A&v=2.0&sign_method=hmac-sha256&format=json&simplify=true&session=s1&fields=nick"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != "taobao.user.seller.get" || c.SignMethod != SignHMACSHA256 || c.Format != FormatJSON || !c.Simplify || c.Session != "s1" || c.Fields != "nick" {
		t.Fatalf("call = %+v", c)
	}
	c, _ = ParseCall(mustParams(t, "method=a.b&app_key=1&sign=A&v=2.0&simplify=true"))
	if c.Simplify || c.Format != FormatXML || c.SignMethod != SignMD5 {
		t.Fatalf("xml default with simplify: %+v", c)
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC) // 2026-11-11 00:00:00 GMT+8
	tests := []struct {
		ts   string
		code int
	}{
		{"2026-11-11 00:00:00", 0},
		{"2026-11-10 23:50:00", 0},
		{"2026-11-11 00:10:00", 0},
		{"2026-11-10 23:49:59", CodeInvalidTimestamp},
		{"2026-11-11 00:10:01", CodeInvalidTimestamp},
		{"2026-11-10 16:00:00", CodeInvalidTimestamp}, // UTC wall time sent as if GMT+8
		{"1794326400000", 0},                          // Unix ms of the same instant
		{"2026/11/11 00:00:00", CodeInvalidTimestamp},
		{"", CodeMissingTimestamp},
	}
	for _, tt := range tests {
		err := CheckTimestamp(tt.ts, now, MaxSkew)
		if (tt.code == 0) != (err == nil) || (err != nil && err.Code != tt.code) {
			t.Errorf("CheckTimestamp(%q) = %v, want code %d", tt.ts, err, tt.code)
		}
	}
	if got := FormatTimestamp(now); got != "2026-11-11 00:00:00" {
		t.Errorf("FormatTimestamp = %q", got)
	}
}
