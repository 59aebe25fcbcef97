package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseFreshnessLine(t *testing.T) {
	for _, tc := range []struct {
		line               string
		changed, committed int64
		ok                 bool
	}{
		{`{"changed_ms":1000,"committed_ms":1250}`, 1000, 1250, true},
		{`{"changed_ms":1000,"committed_ms":1000,"tid":7}`, 1000, 1000, true},
		{`{"changed_ms":0,"committed_ms":5}`, 0, 0, false},
		{`{"changed_ms":10,"committed_ms":5}`, 0, 0, false},
		{`not json`, 0, 0, false},
		{``, 0, 0, false},
	} {
		c, m, ok := parseFreshnessLine([]byte(tc.line))
		if c != tc.changed || m != tc.committed || ok != tc.ok {
			t.Errorf("%q: got %d %d %v, want %d %d %v", tc.line, c, m, ok, tc.changed, tc.committed, tc.ok)
		}
	}
}

func FuzzParseFreshnessLine(f *testing.F) {
	f.Add([]byte(`{"changed_ms":1000,"committed_ms":1250}`))
	f.Add([]byte(`{"changed_ms":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, m, ok := parseFreshnessLine(b)
		if ok && (c <= 0 || m < c) {
			t.Fatalf("accepted %d -> %d", c, m)
		}
	})
}

// Changes before the run's start (seeding) are left out; the rest land in
// the second they happened, with their lag as latency.
func TestFreshnessSummary(t *testing.T) {
	dir := t.TempDir()
	start := time.UnixMilli(1_000_000)
	node := filepath.Join(dir, "data", "sync-1")
	os.MkdirAll(node, 0o755)
	os.WriteFile(filepath.Join(node, "freshness.log"), []byte(
		`{"changed_ms":999000,"committed_ms":999100}`+"\n"+
			`{"changed_ms":1000500,"committed_ms":1000700}`+"\n"+
			`{"changed_ms":1002100,"committed_ms":1002400}`+"\n"+"garbage\n"), 0o644)
	sum, n, err := freshnessSummary(dir, start)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || sum.Requests != 2 {
		t.Fatalf("counted %d (summary %d), want 2", n, sum.Requests)
	}
	if sum.Corrected.Max < 299*time.Millisecond || sum.Corrected.Max > 301*time.Millisecond {
		t.Errorf("max lag %s, want 300ms", sum.Corrected.Max)
	}
	if len(sum.Series) < 3 || sum.Series[0].Requests != 1 || sum.Series[2].Requests != 1 {
		t.Errorf("series %+v", sum.Series)
	}
}
