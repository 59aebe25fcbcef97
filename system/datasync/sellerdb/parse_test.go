package sellerdb_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

func TestParseDoc(t *testing.T) {
	good := `{"tid":1234567890123,"status":"WAIT_BUYER_PAY","type":"fixed","seller_nick":"卖家","buyer_nick":"b",` +
		`"created":"2025-11-11 00:00:01","modified":"2025-11-11 00:00:26","orders":{"order":[{"oid":1}]}}`
	d, err := sellerdb.ParseDoc([]byte("  " + good + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := sellerdb.Doc{Tid: 1234567890123, Status: "WAIT_BUYER_PAY", Type: "fixed", SellerNick: "卖家", BuyerNick: "b",
		Created:  time.Date(2025, 11, 11, 0, 0, 1, 0, top.GMT8),
		Modified: time.Date(2025, 11, 11, 0, 0, 26, 0, top.GMT8), JSON: []byte(good), Hash: sellerdb.Hash([]byte(good))}
	if d.Tid != want.Tid || d.Status != want.Status || d.Type != want.Type || d.SellerNick != want.SellerNick ||
		d.BuyerNick != want.BuyerNick || !d.Created.Equal(want.Created) || !d.Modified.Equal(want.Modified) ||
		string(d.JSON) != good || d.Hash != want.Hash {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}

	long := strings.Repeat("n", 65)
	for _, tc := range []struct{ name, in string }{
		{"empty", ``},
		{"array", `[1]`},
		{"null", `null`},
		{"truncated", `{"tid":1,"seller_nick":"s","modified":"2025-11-11 00:00:00"`},
		{"no tid", `{"seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"zero tid", `{"tid":0,"seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"negative tid", `{"tid":-5,"seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"fraction tid", `{"tid":1.5,"seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"string tid", `{"tid":"1","seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"huge tid", `{"tid":99999999999999999999,"seller_nick":"s","modified":"2025-11-11 00:00:00"}`},
		{"no seller", `{"tid":1,"modified":"2025-11-11 00:00:00"}`},
		{"long seller", `{"tid":1,"seller_nick":"` + long + `","modified":"2025-11-11 00:00:00"}`},
		{"long buyer", `{"tid":1,"seller_nick":"s","buyer_nick":"` + long + `","modified":"2025-11-11 00:00:00"}`},
		{"long status", `{"tid":1,"seller_nick":"s","status":"` + long + `","modified":"2025-11-11 00:00:00"}`},
		{"no modified", `{"tid":1,"seller_nick":"s"}`},
		{"null modified", `{"tid":1,"seller_nick":"s","modified":null}`},
		{"bad modified", `{"tid":1,"seller_nick":"s","modified":"2025-11-11T00:00:00Z"}`},
		{"february 30", `{"tid":1,"seller_nick":"s","modified":"2025-02-30 00:00:00"}`},
		{"year 1969", `{"tid":1,"seller_nick":"s","modified":"1969-12-31 23:59:59"}`},
		{"bad created", `{"tid":1,"seller_nick":"s","created":"yesterday","modified":"2025-11-11 00:00:00"}`},
		{"numeric modified", `{"tid":1,"seller_nick":"s","modified":1731254400}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sellerdb.ParseDoc([]byte(tc.in)); !errors.Is(err, sellerdb.ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
		})
	}
}

func TestHash(t *testing.T) {
	// xxhash64 reference values (the empty input's is the algorithm's published one).
	for in, want := range map[string]string{"": "ef46db3751d8e999", "abc": "44bc2cf5ad770999"} {
		if got := sellerdb.Hash([]byte(in)); got != want {
			t.Errorf("Hash(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzParseDoc(f *testing.F) {
	for _, s := range []string{
		`{"tid":1,"status":"WAIT_BUYER_PAY","seller_nick":"s","buyer_nick":"b","created":"2025-11-11 00:00:00","modified":"2025-11-11 00:00:01"}`,
		`{"tid":1,"seller_nick":"s","modified":"2025-02-30 00:00:00"}`,
		`{"tid":1e3,"seller_nick":"\u0000","modified":"9999-12-31 23:59:59"}`,
		`[]`, `{`, ``, `{"tid":1,"tid":2,"seller_nick":"s","modified":"2025-11-11 00:00:00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := sellerdb.ParseDoc(in)
		if err != nil {
			if !errors.Is(err, sellerdb.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if d.Tid <= 0 || d.SellerNick == "" || d.Modified.IsZero() || d.Hash != sellerdb.Hash(d.JSON) {
			t.Fatalf("accepted an invalid doc: %+v", d)
		}
		// The stored text round-trips: a time renders back to the same instant.
		if back, err := time.ParseInLocation(top.TimestampLayout, top.FormatTimestamp(d.Modified), top.GMT8); err != nil || !back.Equal(d.Modified) {
			t.Fatalf("modified %s does not round-trip: %v", d.Modified, err)
		}
	})
}
