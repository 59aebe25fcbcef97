package top

import (
	"testing"
	"time"
)

// ParseTimestamp must accept exactly what time.ParseInLocation accepts for
// the layout, and read the same instant; its fast path must accept nothing
// more.
func TestParseLayoutAgreesWithTime(t *testing.T) {
	for _, s := range []string{
		"2026-11-11 00:00:00", "2024-02-29 23:59:59", "2026-02-29 00:00:00", "2026-04-31 12:00:00",
		"2026-13-01 00:00:00", "2026-00-10 00:00:00", "2026-11-00 00:00:00", "2026-11-11 24:00:00",
		"2026-11-11 23:60:00", "2026-11-11 23:59:60", "2026/11/11 00:00:00", "2026-11-11T00:00:00",
		"+026-11-11 00:00:00", "2026-1a-11 00:00:00", "2026-11-11  1:02:03", "0000-01-01 00:00:00", "9999-12-31 23:59:59",
	} {
		checkLayoutAgrees(t, s)
	}
}

func FuzzParseLayout(f *testing.F) {
	f.Add("2026-11-11 00:00:00")
	f.Add("2026-02-30 00:00:00")
	f.Add("2026-11-11 00:00:6\x00")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) == len(TimestampLayout) {
			checkLayoutAgrees(t, s)
		}
	})
}

func checkLayoutAgrees(t *testing.T, s string) {
	t.Helper()
	want, err := time.ParseInLocation(TimestampLayout, s, GMT8)
	got, ok := ParseTimestamp(s)
	if ok != (err == nil) {
		t.Fatalf("%q: ParseTimestamp ok=%v, time.ParseInLocation err=%v", s, ok, err)
	}
	if ok && !got.Equal(want) {
		t.Fatalf("%q: ParseTimestamp %v, time.ParseInLocation %v", s, got, want)
	}
	if fast, ok := parseLayout(s); ok && (err != nil || !fast.Equal(want)) {
		t.Fatalf("%q: the fast path took %v, time.ParseInLocation %v, %v", s, fast, want, err)
	}
}

func BenchmarkParseTimestamp(b *testing.B) {
	for b.Loop() {
		if _, ok := ParseTimestamp("2026-11-11 00:00:01"); !ok {
			b.Fatal("refused")
		}
	}
}
