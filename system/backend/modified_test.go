package backend

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

func TestNextModified(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := ParseTimestamp(s)
		if err != nil {
			t.Fatal(err)
		}
		return ts.Time()
	}
	ts := func(s string) Timestamp { return TimestampOf(at(s)) }
	tests := []struct {
		name string
		prev Timestamp
		now  time.Time
		want Timestamp
	}{
		{"first version: now truncated", 0, at("2026-11-11 00:00:05").Add(999 * time.Millisecond), ts("2026-11-11 00:00:05")},
		{"later second: now", ts("2026-11-11 00:00:05"), at("2026-11-11 00:00:09"), ts("2026-11-11 00:00:09")},
		{"same second: previous + 1s", ts("2026-11-11 00:00:05"), at("2026-11-11 00:00:05").Add(500 * time.Millisecond), ts("2026-11-11 00:00:06")},
		{"ahead of the clock: previous + 1s", ts("2026-11-11 00:00:08"), at("2026-11-11 00:00:05"), ts("2026-11-11 00:00:09")},
		{"clock went back an hour", ts("2026-11-11 01:00:00"), at("2026-11-11 00:00:00"), ts("2026-11-11 01:00:01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextModified(tt.prev, tt.now); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Several changes in one second, then a clock step backwards: modified
// strictly increases, the log carries each version's modified, and the
// latest version is the one with the greatest modified.
func TestModifiedNeverRepeatsNorGoesBack(t *testing.T) {
	jc := &jumpClock{Fake: clock.NewFake(epoch), now: epoch} // epoch is 00:00:00.300
	n, _ := newTestNode(t, Config{Clock: jc})
	tc := n.Trades()
	v := mustCreate(t, tc, DemoSeller)
	tid := v.Trade.Tid
	memo := func() Timestamp {
		return mustApply(t, tc, tid, Event{Kind: EventMemo, Memo: ptr("m")}).Trade.Modified
	}
	want := []string{"2026-11-11 00:00:00"}
	got := []Timestamp{v.Trade.Modified}
	for range 3 { // the same second, three times
		got = append(got, memo())
	}
	want = append(want, "2026-11-11 00:00:01", "2026-11-11 00:00:02", "2026-11-11 00:00:03")
	jc.set(epoch.Add(10 * time.Second)) // the clock passes the bumped values
	got = append(got, memo())
	want = append(want, "2026-11-11 00:00:10")
	jc.set(epoch.Add(-time.Hour)) // and steps back an hour
	got = append(got, memo(), memo())
	want = append(want, "2026-11-11 00:00:11", "2026-11-11 00:00:12")
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("version %d modified %s, want %s (all: %v)", i, got[i], want[i], got)
		}
	}
	changes, err := tc.ChangesAfter(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != len(want) {
		t.Fatalf("%d changes, want %d", len(changes), len(want))
	}
	for i, c := range changes {
		if c.Modified != got[i] {
			t.Fatalf("change %d modified %s, want %s", i, c.Modified, got[i])
		}
	}
	latest, err := tc.Get(context.Background(), tid)
	if err != nil || latest.Trade.Modified != got[len(got)-1] {
		t.Fatalf("latest version modified %s (err %v), want the greatest %s", latest.Trade.Modified, err, got[len(got)-1])
	}
	// TimeMs keeps the real change time (ms), not the bumped modified.
	if last := changes[len(changes)-1]; last.TimeMs != epoch.Add(-time.Hour).UnixMilli() {
		t.Fatalf("time_ms %d, want the clock's %d", last.TimeMs, epoch.Add(-time.Hour).UnixMilli())
	}
}
