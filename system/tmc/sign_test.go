package tmc

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// The sign string is built by hand here, hashed with crypto/md5, and also
// pinned as a literal computed outside Go (Python hashlib).
func TestConnectSignVector(t *testing.T) {
	const toHash = "s3cret" + "app_key12345" + "group_namedefault" + "timestamp1700000000000" + "s3cret"
	sum := md5.Sum([]byte(toHash))
	want := strings.ToUpper(hex.EncodeToString(sum[:]))
	if want != "26B6E591CFE2796572DC06330F470CE8" {
		t.Fatalf("hand-built vector = %s", want)
	}
	tests := []struct{ name, group string }{{"named group", "default"}, {"empty group signs as default", ""}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConnectSign("s3cret", "12345", tt.group, 1700000000000); got != want {
				t.Fatalf("ConnectSign = %s, want %s", got, want)
			}
			if !VerifyConnectSign("s3cret", "12345", tt.group, 1700000000000, want) ||
				!VerifyConnectSign("s3cret", "12345", tt.group, 1700000000000, strings.ToLower(want)) {
				t.Fatal("VerifyConnectSign rejected the vector")
			}
		})
	}
}

func TestConnectSignLongInputs(t *testing.T) {
	secret, app := strings.Repeat("s", 300), strings.Repeat("a", 100)
	sum := md5.Sum([]byte(secret + "app_key" + app + "group_nameg" + "timestamp42" + secret))
	if got, want := ConnectSign(secret, app, "g", 42), strings.ToUpper(hex.EncodeToString(sum[:])); got != want {
		t.Fatalf("ConnectSign = %s, want %s", got, want)
	}
}

func TestVerifyConnectSignRejects(t *testing.T) {
	good := ConnectSign("k", "app", "g", 1)
	flip := "0"
	if good[len(good)-1] == '0' {
		flip = "1"
	}
	tests := []struct {
		name, secret, app, group string
		ts                       int64
		sign                     string
	}{
		{"wrong secret", "x", "app", "g", 1, good},
		{"other app", "k", "app2", "g", 1, good},
		{"other group", "k", "app", "h", 1, good},
		{"other timestamp", "k", "app", "g", 2, good},
		{"one digit changed", "k", "app", "g", 1, good[:len(good)-1] + flip},
		{"truncated", "k", "app", "g", 1, good[:30]},
		{"not hex", "k", "app", "g", 1, strings.Repeat("Z", 32)},
		{"empty", "k", "app", "g", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if VerifyConnectSign(tt.secret, tt.app, tt.group, tt.ts, tt.sign) {
				t.Fatalf("accepted %q", tt.sign)
			}
		})
	}
}

func TestConnectSignWith(t *testing.T) {
	c := Connect{AppKey: "12345", Timestamp: 1700000000000}
	c.SignWith("s3cret")
	if c.Sign != "26B6E591CFE2796572DC06330F470CE8" || !c.VerifySign("s3cret") || c.VerifySign("other") {
		t.Fatalf("SignWith/VerifySign: %+v", c)
	}
	back, err := ConnectFromFrame(roundTrip(t, c.ToFrame()))
	if err != nil || !back.VerifySign("s3cret") {
		t.Fatalf("sign did not verify after the wire: %+v, %v", back, err)
	}
}
