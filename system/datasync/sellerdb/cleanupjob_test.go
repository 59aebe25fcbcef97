package sellerdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

// TestCleanupJobOffPeak: with a fake clock, the job deletes only inside its
// window, once per window, and a run in progress stops at the window's end.
func TestCleanupJobOffPeak(t *testing.T) {
	noon := time.Date(2025, 11, 12, 12, 0, 0, 0, top.GMT8)
	fc := fakeClockAt(noon)
	db := open(t, sellerdb.Config{DSN: t.TempDir() + "/seller.db", Clock: fc})
	var docs []sellerdb.Doc
	var tids []int64
	for tid := int64(1); tid <= 10; tid++ {
		docs = append(docs, version(t, tid, 0))
		tids = append(tids, tid)
	}
	mustWrite(t, db, docs)
	if _, err := db.MarkDeleted(t.Context(), tids[:6]); err != nil {
		t.Fatal(err)
	}
	runs := make(chan sellerdb.CleanupRun, 4)
	job, err := sellerdb.NewCleanupJob(db, sellerdb.CleanupConfig{Window: "02:00-05:00", Retention: time.Hour, Batch: 4,
		OnRun: func(r sellerdb.CleanupRun) { runs <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("run: %v", err)
		}
	}()

	waitArmed(t, fc)
	fc.Set(noon.Add(13*time.Hour + 59*time.Minute)) // 01:59 next day: not yet
	waitArmed(t, fc)
	noRun(t, runs)

	fc.Set(noon.Add(14 * time.Hour)) // 02:00: the window opens
	r := <-runs
	if r.Err != nil || r.Deleted != 6 || !r.At.Equal(noon.Add(14*time.Hour)) {
		t.Fatalf("run %+v, want 6 deleted at 02:00", r)
	}
	if n := len(rows(t, db)); n != 4 {
		t.Fatalf("%d rows left, want 4", n)
	}

	// More rows marked inside the window wait for the next one.
	if _, err := db.MarkDeleted(t.Context(), tids[6:8]); err != nil {
		t.Fatal(err)
	}
	waitArmed(t, fc)
	fc.Set(noon.Add(24*time.Hour + 13*time.Hour + 59*time.Minute)) // 01:59 the day after
	waitArmed(t, fc)
	noRun(t, runs)
	fc.Set(noon.Add(24*time.Hour + 14*time.Hour))
	if r := <-runs; r.Err != nil || r.Deleted != 2 {
		t.Fatalf("second run %+v, want 2 deleted", r)
	}
}

// TestCleanupJobStartsInsideWindow: a job started inside its window runs at once.
func TestCleanupJobStartsInsideWindow(t *testing.T) {
	fc := fakeClockAt(time.Date(2025, 11, 12, 23, 30, 0, 0, top.GMT8))
	db := open(t, sellerdb.Config{DSN: t.TempDir() + "/seller.db", Clock: fc})
	mustWrite(t, db, []sellerdb.Doc{version(t, 1, 0)})
	if _, err := db.MarkDeleted(t.Context(), []int64{1}); err != nil {
		t.Fatal(err)
	}
	fc.Advance(2 * time.Hour) // 01:30, inside a window that wraps midnight
	runs := make(chan sellerdb.CleanupRun, 1)
	job, err := sellerdb.NewCleanupJob(db, sellerdb.CleanupConfig{Window: "23:00-02:00", Retention: time.Hour,
		OnRun: func(r sellerdb.CleanupRun) { runs <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go job.Run(ctx)
	if r := <-runs; r.Err != nil || r.Deleted != 1 {
		t.Fatalf("run %+v, want 1 deleted", r)
	}
}

// waitArmed blocks until the job waits on the fake clock.
func waitArmed(t *testing.T, fc interface {
	BlockUntil(context.Context, int) error
}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := fc.BlockUntil(ctx, 1); err != nil {
		t.Fatal("the job never waited on the clock")
	}
}

// noRun asserts the job has not run since the last check.
func noRun(t *testing.T, runs chan sellerdb.CleanupRun) {
	t.Helper()
	select {
	case r := <-runs:
		t.Fatalf("ran outside its window: %+v", r)
	default:
	}
}
