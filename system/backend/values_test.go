package backend

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/toplab/toplab/system/top"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		ok   bool
	}{
		{"0", 0, true}, {"12", 1200, true}, {"12.3", 1230, true}, {"12.30", 1230, true}, {"0.05", 5, true},
		{"", 0, false}, {"12.", 0, false}, {".5", 0, false}, {"1.234", 0, false}, {"-1", 0, false},
		{"1e3", 0, false}, {"١٢", 0, false}, {"100000000000.00", 10_000_000_000_000, true}, {"100000000000.01", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for m, s := range map[Money]string{0: "0.00", 5: "0.05", 1230: "12.30", -900: "-9.00"} {
		if m.String() != s {
			t.Errorf("%d renders %s, want %s", m, m.String(), s)
		}
		b, _ := json.Marshal(m)
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("round trip of %d: %s -> %d %v", m, b, back, err)
		}
	}
	var m Money
	if err := json.Unmarshal([]byte(`12.5`), &m); err != nil || m != 1250 {
		t.Errorf("JSON number: %d %v", m, err)
	}
}

func TestTimestamp(t *testing.T) {
	ts, err := ParseTimestamp("2026-11-11 00:00:26")
	if err != nil || ts.String() != "2026-11-11 00:00:26" || ts.Time().UTC().Hour() != 16 {
		t.Fatalf("%v %v %v", ts, err, ts.Time().UTC())
	}
	b, _ := json.Marshal(struct {
		A Timestamp `json:"a"`
		B Timestamp `json:"b,omitzero"`
	}{A: ts})
	if string(b) != `{"a":"2026-11-11 00:00:26"}` {
		t.Fatalf("json %s", b)
	}
	for _, bad := range []string{"2026-11-11", "2026-11-11T00:00:26", "1731254400000", "", "2026-02-30 00:00:00",
		"2026-13-01 00:00:00", "2026-11-11 24:00:00", "2026-11-11 00:60:00", "2026-11-11 00:00:60", "2026-1a-11 00:00:00", "-026-11-11 00:00:00"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "12.30", "1.2.3", "99999999999.99", "-1", "+1", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		if m < 0 || m > maxMoney {
			t.Fatalf("%q parsed to %d", s, m)
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q -> %d -> %s -> %d %v", s, m, m, back, err)
		}
	})
}

// ParseTimestamp agrees with time.ParseInLocation on the layout.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2026-11-11 00:00:26", "2024-02-29 23:59:59", "2026-02-29 00:00:00", "0000-01-01 00:00:00", "2026-11-11 0:00:026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTimestamp(s)
		want, werr := time.ParseInLocation(top.TimestampLayout, s, top.GMT8)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: ours %v, time's %v", s, err, werr)
		}
		if err == nil && int64(got) != want.Unix() {
			t.Fatalf("%q: %d, want %d", s, got, want.Unix())
		}
	})
}
