package top

import (
	"bytes"
	"testing"
)

func TestParseBatch(t *testing.T) {
	body := "#PUBLIC#session=pub&v=2.0\r\n-S-\r\nmethod=taobao.trade.fullinfo.get&tid=1\r\n-S-\r\nN\r\n-S-\r\nmethod=taobao.user.seller.get&session=own"
	b, err := ParseBatch([]byte(body), DefaultSeparator, 50, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 3 || b.Public.Get("session") != "pub" {
		t.Fatalf("batch = %+v", b)
	}
	if m := b.Merged(0); m.Get("session") != "pub" || m.Get("tid") != "1" || m.Get("v") != "2.0" {
		t.Fatalf("item 0 merged = %v", m.List())
	}
	if b.Items[1].Len() != 0 {
		t.Fatalf("N item has params %v", b.Items[1].List())
	}
	if m := b.Merged(2); m.Get("session") != "own" {
		t.Fatalf("per-item session did not override: %v", m.List())
	}
}

func TestParseBatchCustomSeparatorAndErrors(t *testing.T) {
	sep, err := CheckSeparator("||")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBatch([]byte("a=1||b=2||"), sep, 50, Limits{})
	if err != nil || len(b.Items) != 2 {
		t.Fatalf("custom separator: %+v, %v", b, err)
	}
	tests := []struct {
		name, body, subCode string
		max                 int
	}{
		{"too many items", "a=1||a=2||a=3", "isv.batch-too-many-items", 2},
		{"empty body", "  ", "isv.batch-empty", 50},
		{"only public", "#PUBLIC#v=2.0", "isv.batch-empty", 50},
		{"bad item", "a=1||a=%zz", "isv.malformed-parameter", 50},
		{"duplicate in item", "a=1&a=2", "isv.duplicate-parameter", 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBatch([]byte(tt.body), sep, tt.max, Limits{})
			if err == nil || err.SubCode != tt.subCode {
				t.Fatalf("ParseBatch(%q) = %v, want %s", tt.body, err, tt.subCode)
			}
		})
	}
	for _, bad := range []string{"a&b", "x=y", string(bytes.Repeat([]byte("-"), 65))} {
		if _, err := CheckSeparator(bad); err == nil {
			t.Errorf("separator %q accepted", bad)
		}
	}
}

func TestBatchEncodeParseRoundTrip(t *testing.T) {
	pub := mustParams(t, "v=2.0&session=s")
	items := []*Params{mustParams(t, "method=a.b&q=x+y"), nil, mustParams(t, "method=c.d")}
	body := EncodeBatch(pub, items, DefaultSeparator)
	b, err := ParseBatch(body, DefaultSeparator, 50, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 3 || b.Items[0].Get("q") != "x y" || b.Items[1].Len() != 0 || b.Public.Get("session") != "s" {
		t.Fatalf("round trip = %+v", b)
	}
	parts := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)}
	joined := AppendBatchResponse(nil, DefaultSeparator, parts)
	split := SplitBatchResponse(joined, DefaultSeparator)
	if len(split) != 2 || !bytes.Equal(split[1], parts[1]) {
		t.Fatalf("response split = %q", split)
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add([]byte("#PUBLIC#v=2.0\r\n-S-\r\nmethod=a.b\r\n-S-\r\nN"), "")
	f.Add([]byte("a=1||b=%zz"), "||")
	f.Fuzz(func(t *testing.T, body []byte, sepHeader string) {
		sep, err := CheckSeparator(sepHeader)
		if err != nil {
			return
		}
		b, err := ParseBatch(body, sep, 50, Limits{})
		if err != nil {
			return
		}
		if len(b.Items) == 0 || len(b.Items) > 50 {
			t.Fatalf("%d items accepted", len(b.Items))
		}
		for i := range b.Items {
			b.Merged(i)
		}
	})
}
