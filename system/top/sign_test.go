package top

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"testing"
)

func mustParams(t testing.TB, form string) *Params {
	t.Helper()
	var p Params
	if err := p.ParseForm(form, Limits{}); err != nil {
		t.Fatalf("ParseForm(%q): %v", form, err)
	}
	return &p
}

// The md5 test vector of the protocol reference.
func TestSignMD5ReferenceVector(t *testing.T) {
	p := mustParams(t, "app_key=test&fields=nick&format=xml&method=taobao.user.seller.get&session=test&sign_method=md5&timestamp=2013-05-06+13%3A52%3A03&v=2.0")
	const want = "72CB4D809B375A54502C09360D879C64"
	wantString := "testapp_keytestfieldsnickformatxmlmethodtaobao.user.seller.getsessiontestsign_methodmd5timestamp2013-05-06 13:52:03v2.0test"
	if got := "test" + string(AppendSignString(nil, p, nil)) + "test"; got != wantString {
		t.Fatalf("string to hash = %q\nwant %q", got, wantString)
	}
	if got := Sign(SignMD5, "test", p, nil); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !VerifySign(SignMD5, "test", p, nil, want) || !VerifySign(SignMD5, "test", p, nil, strings.ToLower(want)) {
		t.Fatal("VerifySign rejected the reference sign")
	}
}

func TestSignHMACMethodsMatchTheirDefinitions(t *testing.T) {
	p := mustParams(t, "method=taobao.trade.fullinfo.get&app_key=10000001&empty=&sign=IGNORED&v=2.0")
	body := []byte("#PUBLIC#x=1")
	concat := "app_key10000001methodtaobao.trade.fullinfo.getv2.0" + string(body)
	mac := func(newHash func() hash.Hash) string {
		h := hmac.New(newHash, []byte("s3cret"))
		h.Write([]byte(concat))
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	}
	tests := []struct {
		m    SignMethod
		want string
	}{
		{SignHMAC, mac(md5.New)},
		{SignHMACSHA256, mac(sha256.New)},
	}
	for _, tt := range tests {
		t.Run(tt.m.String(), func(t *testing.T) {
			if got := Sign(tt.m, "s3cret", p, body); got != tt.want {
				t.Fatalf("Sign = %s, want %s", got, tt.want)
			}
			if !VerifySign(tt.m, "s3cret", p, body, tt.want) {
				t.Fatal("VerifySign rejected its own sign")
			}
		})
	}
}

func TestVerifySignRejects(t *testing.T) {
	p := mustParams(t, "method=a.b&app_key=1&v=2.0")
	good := Sign(SignHMACSHA256, "k", p, nil)
	tests := []struct{ name, secret, sign string }{
		{"wrong secret", "other", good},
		{"truncated", "k", good[:len(good)-2]},
		{"one digit changed", "k", good[:len(good)-1] + map[bool]string{true: "0", false: "1"}[good[len(good)-1] != '0']},
		{"not hex", "k", strings.Repeat("Z", len(good))},
		{"md5 length for sha256", "k", Sign(SignMD5, "k", p, nil)},
		{"empty", "k", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if VerifySign(SignHMACSHA256, tt.secret, p, nil, tt.sign) {
				t.Fatalf("accepted %q", tt.sign)
			}
		})
	}
	if VerifySign(SignHMACSHA256, "k", p, []byte("tampered body"), good) {
		t.Fatal("sign did not cover the body")
	}
}

func TestParseSignMethod(t *testing.T) {
	for in, want := range map[string]SignMethod{"": SignMD5, "md5": SignMD5, "hmac": SignHMAC, "hmac-sha256": SignHMACSHA256} {
		if got, ok := ParseSignMethod(in); !ok || got != want {
			t.Errorf("ParseSignMethod(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"MD5", "sha1", "hmac_sha256"} {
		if _, ok := ParseSignMethod(bad); ok {
			t.Errorf("ParseSignMethod(%q) accepted", bad)
		}
	}
}
