package sellerdb_test

import (
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

func TestWindow(t *testing.T) {
	day := func(h, m int) time.Time { return time.Date(2025, 11, 12, h, m, 0, 0, top.GMT8) }
	for _, tc := range []struct {
		window     string
		at         time.Time
		in         bool
		start, end time.Time
	}{
		{"02:00-05:00", day(1, 59), false, day(2, 0), day(5, 0)},
		{"02:00-05:00", day(2, 0), true, day(2, 0), day(5, 0)},
		{"02:00-05:00", day(4, 59), true, day(2, 0), day(5, 0)},
		{"02:00-05:00", day(5, 0), false, day(26, 0), day(29, 0)},
		{"23:00-01:30", day(0, 30), true, day(-1, 0), day(1, 30)},
		{"23:00-01:30", day(12, 0), false, day(23, 0), day(25, 30)},
		{"23:00-01:30", day(23, 0), true, day(23, 0), day(25, 30)},
		// The window is GMT+8 wall time whatever the zone of the instant.
		{"02:00-05:00", day(3, 0).UTC(), true, day(2, 0), day(5, 0)},
	} {
		w, err := sellerdb.ParseWindow(tc.window)
		if err != nil {
			t.Fatal(err)
		}
		start, end := w.Next(tc.at)
		if w.Contains(tc.at) != tc.in || !start.Equal(tc.start) || !end.Equal(tc.end) {
			t.Errorf("%s at %s: in=%v [%s, %s), want %v [%s, %s)", tc.window, tc.at, w.Contains(tc.at), start, end, tc.in, tc.start, tc.end)
		}
		if w.String() != tc.window {
			t.Errorf("String %q, want %q", w.String(), tc.window)
		}
	}
	for _, bad := range []string{"", "02:00", "02:00-02:00", "2:00-05:00", "24:00-05:00", "02:60-05:00", "02:00-05:00-06:00", "ab:cd-05:00", "-1:00-05:00"} {
		if _, err := sellerdb.ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}

func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"02:00-05:00", "23:00-01:30", "00:00-23:59", "2:0-5:0", "-"} {
		f.Add(s, int64(1762900000))
	}
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		w, err := sellerdb.ParseWindow(s)
		if err != nil {
			return
		}
		if back, err := sellerdb.ParseWindow(w.String()); err != nil || back != w {
			t.Fatalf("%q -> %v does not round-trip: %v", s, w, err)
		}
		at := time.Unix(unix%(1<<40), 0)
		start, end := w.Next(at)
		if !at.Before(end) || !start.Before(end) || end.Sub(start) > 24*time.Hour || start.Sub(at) > 24*time.Hour {
			t.Fatalf("%v at %s: [%s, %s)", w, at, start, end)
		}
	})
}
