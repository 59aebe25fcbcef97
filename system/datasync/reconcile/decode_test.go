package reconcile_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/datasync/reconcile"
)

func TestDecodePage(t *testing.T) {
	tests := []struct {
		name       string
		payload    string
		wantErr    string
		wantTotal  int
		wantTrades []string
	}{
		{name: "page", payload: `{"trades":{"trade":[{"tid":1,"x":"a b"}, {"tid":2}]},"total_results":7,"has_next":true,"request_id":"r"}`,
			wantTotal: 7, wantTrades: []string{`{"tid":1,"x":"a b"}`, `{"tid":2}`}},
		{name: "empty page past the end", payload: `{"trades":{"trade":[]},"total_results":3,"has_next":false}`, wantTotal: 3},
		{name: "no trades object", payload: `{"total_results":0}`, wantTotal: 0},
		{name: "no total (use_has_next)", payload: `{"trades":{"trade":[]},"has_next":false}`, wantErr: "without total_results"},
		{name: "negative total", payload: `{"trades":{"trade":[]},"total_results":-1}`, wantErr: "without total_results"},
		{name: "more trades than the total", payload: `{"trades":{"trade":[{"tid":1}]},"total_results":0}`, wantErr: "total_results 0"},
		{name: "a trade that is not an object", payload: `{"trades":{"trade":[null]},"total_results":1}`, wantErr: "not an object"},
		{name: "not json", payload: `<html>`, wantErr: "increment answer"},
		{name: "truncated", payload: `{"trades":{"trade":[{"tid":1}`, wantErr: "increment answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := reconcile.DecodePage([]byte(tt.payload))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tt.wantTotal || len(p.Trades) != len(tt.wantTrades) {
				t.Fatalf("page %+v", p)
			}
			for i, w := range tt.wantTrades {
				if string(p.Trades[i]) != w {
					t.Fatalf("trade %d = %s, want the bytes as sent %s", i, p.Trades[i], w)
				}
			}
		})
	}
}

// DecodePage reads the platform's answers: it never panics, and what it
// accepts is consistent (objects only, no more trades than the total).
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"trades":{"trade":[{"tid":1}]},"total_results":1}`))
	f.Add([]byte(`{"trades":{"trade":[]},"total_results":0,"has_next":false}`))
	f.Add([]byte(`{"trades":null,"total_results":5}`))
	f.Add([]byte(`{"trades":{"trade":[1,2]},"total_results":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := reconcile.DecodePage(payload)
		if err != nil {
			return
		}
		if p.Total < 0 || len(p.Trades) > p.Total {
			t.Fatalf("accepted total %d with %d trades", p.Total, len(p.Trades))
		}
		for _, tr := range p.Trades {
			if !json.Valid(tr) || !bytes.HasPrefix(tr, []byte("{")) {
				t.Fatalf("accepted trade %q", tr)
			}
		}
	})
}
