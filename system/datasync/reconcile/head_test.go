package reconcile

import (
	"encoding/json"
	"testing"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

func TestReadHead(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		ok     bool
		tid    int64
		seller string
	}{
		{name: "plain", raw: `{"tid":42,"status":"X","seller_nick":"s","modified":"2026-11-11 00:00:05","orders":{"order":[{"tid":1,"x":"}"}]}}`, ok: true, tid: 42, seller: "s"},
		{name: "white space", raw: " {\n \"tid\" : 7 ,\"seller_nick\": \"s\", \"modified\":\"2026-11-11 00:00:05\" } ", ok: true, tid: 7, seller: "s"},
		{name: "escaped key", raw: `{"t\u0069d":42,"seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "escaped value", raw: `{"tid":42,"seller_nick":"s\u0073","modified":"2026-11-11 00:00:05"}`},
		{name: "other case", raw: `{"tid":42,"Tid":43,"seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "repeated", raw: `{"tid":42,"tid":43,"seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "tid as a string", raw: `{"tid":"42","seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "fractional tid", raw: `{"tid":4.2,"seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "negative tid", raw: `{"tid":-4,"seller_nick":"s","modified":"2026-11-11 00:00:05"}`},
		{name: "no modified", raw: `{"tid":42,"seller_nick":"s"}`},
		{name: "bad modified", raw: `{"tid":42,"seller_nick":"s","modified":"2026-13-11 00:00:05"}`},
		{name: "empty seller", raw: `{"tid":42,"seller_nick":"","modified":"2026-11-11 00:00:05"}`},
		{name: "truncated", raw: `{"tid":42,"seller_nick":"s","modified":"2026-11-11 00:00:05"`},
		{name: "trailing bytes", raw: `{"tid":42,"seller_nick":"s","modified":"2026-11-11 00:00:05"}x`},
		{name: "array", raw: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := readHead([]byte(tt.raw))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && (h.tid != tt.tid || string(h.seller) != tt.seller) {
				t.Fatalf("head %+v", h)
			}
		})
	}
}

// readHead is the fast path past sellerdb.ParseDoc: whenever both read an
// input they agree, and it never panics.
func FuzzReadHead(f *testing.F) {
	f.Add([]byte(`{"tid":42,"status":"X","seller_nick":"s","modified":"2026-11-11 00:00:05","orders":{"order":[]}}`))
	f.Add([]byte(`{"seller_nick":"小店","modified":"1970-01-01 08:00:00","tid":1,"n":null,"b":[true,false,-1.5e3]}`))
	f.Add([]byte(`{"tid":42,"seller_nick":"s\"","modified":"2026-11-11 00:00:05"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, ok := readHead(raw)
		if !ok {
			return
		}
		if h.tid <= 0 || len(h.seller) == 0 {
			t.Fatalf("accepted head %+v", h)
		}
		d, err := sellerdb.ParseDoc(raw)
		if err != nil {
			if json.Valid(raw) {
				var probe struct {
					Tid int64 `json:"tid"`
				}
				if json.Unmarshal(raw, &probe) == nil && probe.Tid != h.tid {
					t.Fatalf("tid %d, encoding/json reads %d", h.tid, probe.Tid)
				}
			}
			return // refused by the full decode for other reasons: never written
		}
		if d.Tid != h.tid || d.Modified.Unix() != h.modified || d.SellerNick != string(h.seller) {
			t.Fatalf("fast %d %d %q, full %d %d %q", h.tid, h.modified, h.seller, d.Tid, d.Modified.Unix(), d.SellerNick)
		}
	})
}
