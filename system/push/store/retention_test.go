package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// roll seals the active segment, as the maintenance loop does.
func roll(t *testing.T, s *Store) {
	t.Helper()
	if err := s.submit(context.Background(), &request{kind: reqRoll}); err != nil {
		t.Fatal(err)
	}
}

func retentionConfig(clk clock.Clock) Config {
	cfg := testConfig(clk)
	cfg.Retention = time.Hour
	cfg.MaintainEvery = time.Hour // tests call maintain themselves unless they test the loop
	return cfg
}

func TestRetentionDeletesExpiredSegments(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	cfg := retentionConfig(clk)
	s := openStore(t, dir, cfg)
	m := newModel()
	old := appendN(t, s, m, "r/q", 30, clk.Now().UnixMilli())
	roll(t, s)
	clk.Advance(40 * time.Minute)
	newer := appendN(t, s, m, "r/q", 30, clk.Now().UnixMilli())
	files := len(segmentPaths(t, dir))

	clk.Advance(10 * time.Minute) // old entries are 50 minutes old: kept
	s.maintain(context.Background())
	if st := s.Stats(); st.SegmentsDeleted != 0 || st.Unconfirmed != 60 {
		t.Fatalf("deleted before retention: %+v", st)
	}
	clk.Advance(20 * time.Minute) // 70 minutes: gone
	s.maintain(context.Background())
	st := s.Stats()
	if st.SegmentsDeleted == 0 || st.ExpiredUnconfirmed != 30 || st.Unconfirmed != 30 {
		t.Fatalf("after retention: deleted %d, expired %d, unconfirmed %d; want >0, 30, 30", st.SegmentsDeleted, st.ExpiredUnconfirmed, st.Unconfirmed)
	}
	if got := len(segmentPaths(t, dir)); got != files-int(st.SegmentsDeleted) {
		t.Fatalf("%d segment files, want %d", got, files-int(st.SegmentsDeleted))
	}
	for _, id := range old {
		if _, _, err := s.Read("r/q", id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired %d: %v, want ErrNotFound", id, err)
		}
	}
	if p := s.Pending("r/q", 0, 100); len(p) != 30 || p[0].ID != newer[0] {
		t.Fatalf("pending after retention: %d entries from %v", len(p), p)
	}
	for _, id := range old {
		m.live[id] = false
	}
	checkModel(t, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, cfg)
	checkModel(t, s2, m)
}

func TestRetentionNeverSkipsAnOlderSegment(t *testing.T) {
	clk := clock.NewFake(t0)
	s := openStore(t, t.TempDir(), retentionConfig(clk))
	m := newModel()
	a := appendN(t, s, m, "r/q", 3, clk.Now().UnixMilli())                   // segment A: now
	roll(t, s)                                                               //
	b := appendN(t, s, m, "r/q", 3, clk.Now().Add(-2*time.Hour).UnixMilli()) // segment B: published long ago
	roll(t, s)
	clk.Advance(30 * time.Minute)
	c := appendN(t, s, m, "r/q", 3, clk.Now().UnixMilli()) // segment C (active)

	s.maintain(context.Background())
	if st := s.Stats(); st.SegmentsDeleted != 0 {
		t.Fatalf("B deleted before the older A: %+v", st)
	}
	for _, id := range b {
		if _, _, err := s.Read("r/q", id); err != nil {
			t.Fatalf("B's %d: %v", id, err)
		}
	}
	clk.Advance(40 * time.Minute) // A is 70 minutes old now, C 40
	s.maintain(context.Background())
	st := s.Stats()
	if st.SegmentsDeleted != 2 || st.ExpiredUnconfirmed != 6 {
		t.Fatalf("deleted %d, expired %d; want A and B: 2, 6", st.SegmentsDeleted, st.ExpiredUnconfirmed)
	}
	for _, id := range append(a, b...) {
		if _, _, err := s.Read("r/q", id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%d: %v, want ErrNotFound", id, err)
		}
	}
	if got := s.Pending("r/q", 0, 10); len(got) != 3 || got[0].ID != c[0] {
		t.Fatalf("pending %v, want C's", got)
	}
}

func TestRetentionDropsHotCopies(t *testing.T) {
	clk := clock.NewFake(t0)
	s := openStore(t, t.TempDir(), retentionConfig(clk))
	m := newModel()
	ids := appendN(t, s, m, "r/q", 3, clk.Now().Add(-2*time.Hour).UnixMilli())
	if _, tier, _ := s.Read("r/q", ids[0]); tier != TierHot {
		t.Fatalf("served from %v, want hot", tier)
	}
	roll(t, s)
	s.maintain(context.Background())
	if _, _, err := s.Read("r/q", ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired entry still served (%v): the hot tier kept it", err)
	}
}

func TestRetentionRollsAnExpiredActiveSegment(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	cfg := retentionConfig(clk)
	s := openStore(t, dir, cfg)
	m := newModel()
	ids := appendN(t, s, m, "r/q", 3, clk.Now().UnixMilli())
	clk.Advance(2 * time.Hour)
	s.maintain(context.Background())
	if st := s.Stats(); st.ExpiredUnconfirmed != 3 || st.Segments != 1 || st.Unconfirmed != 0 {
		t.Fatalf("idle expired active segment kept: %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, cfg)
	got, err := s2.Append(context.Background(), []Entry{{Queue: "r/q", TimeMs: clk.Now().UnixMilli()}})
	if err != nil || got[0] != ids[2]+1 {
		t.Fatalf("id after every segment expired = %v, %v; want %d (ids never reused)", got, err, ids[2]+1)
	}
}

func TestEarlyReclaimOfConfirmedSegments(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	cfg := retentionConfig(clk)
	s := openStore(t, dir, cfg)
	ctx := context.Background()
	m := newModel()
	now := clk.Now().UnixMilli()
	first := appendN(t, s, m, "r/q", 10, now)
	roll(t, s)
	second := appendN(t, s, m, "r/q", 10, now)
	roll(t, s)
	appendN(t, s, m, "r/q", 10, now)

	// Only the second segment confirmed: the first blocks it.
	if n, err := s.Confirm(ctx, "r/q", second); err != nil || n != 10 {
		t.Fatalf("Confirm = %d, %v", n, err)
	}
	s.maintain(ctx)
	if st := s.Stats(); st.SegmentsDeleted != 0 {
		t.Fatalf("a newer segment was reclaimed before an older one: %+v", st)
	}
	if n, err := s.Confirm(ctx, "r/q", first); err != nil || n != 10 {
		t.Fatalf("Confirm = %d, %v", n, err)
	}
	s.maintain(ctx)
	st := s.Stats()
	if st.SegmentsDeleted != 2 || st.ExpiredUnconfirmed != 0 || st.Segments != 1 {
		t.Fatalf("reclaim: %+v; want 2 deleted, none expired, 1 left", st)
	}
	for _, id := range append(first, second...) {
		m.live[id] = false
	}
	checkModel(t, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, cfg)
	checkModel(t, s2, m) // confirms in the surviving segment do not resurrect anything
}

func TestMaintenanceLoopRunsOnTheClock(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := retentionConfig(clk)
	cfg.MaintainEvery = time.Minute
	s := openStore(t, t.TempDir(), cfg)
	m := newModel()
	appendN(t, s, m, "r/q", 5, clk.Now().UnixMilli())
	roll(t, s)
	appendN(t, s, m, "r/q", 1, clk.Now().Add(time.Hour).UnixMilli())
	if err := clk.BlockUntil(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the loop to expire the first segment", func() bool {
		clk.Advance(time.Minute) // each step fires the ticker once more
		return s.Stats().ExpiredUnconfirmed >= 5
	})
	if n, _ := s.hot.size(); n != 0 {
		t.Fatalf("hot tier still holds %d entries after its window", n)
	}
}
