package top

import (
	"strings"
	"testing"
)

func TestParseFormDecodesAndSorts(t *testing.T) {
	p := mustParams(t, "v=2.0&method=taobao.item.get&&=orphan&fields=num_iid,title&q=a+b%26c&flag")
	want := []Param{{"fields", "num_iid,title"}, {"flag", ""}, {"method", "taobao.item.get"}, {"q", "a b&c"}, {"v", "2.0"}}
	got := p.List()
	if len(got) != len(want) {
		t.Fatalf("params = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("params = %v, want %v", got, want)
		}
	}
	if p.Get("q") != "a b&c" || p.Has("missing") || !p.Has("flag") {
		t.Fatal("Get/Has disagree with the list")
	}
}

func TestParseFormRejects(t *testing.T) {
	tests := []struct {
		name, form, subCode string
		lim                 Limits
	}{
		{"duplicate", "a=1&b=2&a=3", "isv.duplicate-parameter", Limits{}},
		{"duplicate after decoding", "a=1&%61=2", "isv.duplicate-parameter", Limits{}},
		{"bad escape in value", "a=%zz", "isv.malformed-parameter", Limits{}},
		{"bad escape in name", "%g1=1", "isv.malformed-parameter", Limits{}},
		{"invalid utf-8", "a=%ff%fe", "isv.invalid-encoding", Limits{}},
		{"too many", "a=1&b=2&c=3", "isv.too-many-parameters", Limits{MaxParams: 2}},
		{"long name", strings.Repeat("n", 65) + "=1", "isv.invalid-parameter", Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Params
			err := p.ParseForm(tt.form, tt.lim)
			if err == nil || err.Code != CodeParameterError || err.SubCode != tt.subCode {
				t.Fatalf("ParseForm(%q) = %v, want code 43 %s", tt.form, err, tt.subCode)
			}
		})
	}
}

func TestParseFormDuplicateAcrossQueryAndBody(t *testing.T) {
	p := mustParams(t, "method=a.b&app_key=1")
	if err := p.ParseForm("app_key=2", Limits{}); err == nil || err.SubCode != "isv.duplicate-parameter" {
		t.Fatalf("a name in both query and body was accepted: %v", err)
	}
}

func TestParamsSetDelEncode(t *testing.T) {
	var p Params
	p.Set("b", "2")
	p.Set("a", "x y")
	p.Set("b", "3")
	if got := p.Encode(); got != "a=x+y&b=3" {
		t.Fatalf("Encode = %q", got)
	}
	c := p.Clone()
	p.Del("a")
	if p.Has("a") || !c.Has("a") {
		t.Fatal("Del or Clone shares state")
	}
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=%zz", "q=a+b%26c&&=x", "x=%ff", "a=1&a=2", "timestamp=2013-05-06+13%3A52%3A03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, form string) {
		var p Params
		if err := p.ParseForm(form, Limits{}); err != nil {
			if err.Code != CodeParameterError {
				t.Fatalf("error code %d for %q", err.Code, form)
			}
			return
		}
		// What parsed re-encodes to the same parameters.
		var q Params
		if err := q.ParseForm(p.Encode(), Limits{}); err != nil {
			t.Fatalf("re-encoded form rejected: %v", err)
		}
		if p.Encode() != q.Encode() || p.Len() != q.Len() {
			t.Fatalf("round trip changed %q to %q", p.Encode(), q.Encode())
		}
		for i := 1; i < p.Len(); i++ {
			if p.List()[i-1].Name >= p.List()[i].Name {
				t.Fatalf("not sorted and unique: %v", p.List())
			}
		}
		// Signing never fails and verifies.
		s := Sign(SignHMACSHA256, "k", &p, nil)
		if !VerifySign(SignHMACSHA256, "k", &p, nil, s) {
			t.Fatal("sign does not verify")
		}
	})
}
