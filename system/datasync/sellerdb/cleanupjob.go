package sellerdb

import (
	"context"
	"errors"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// CleanupConfig configures a CleanupJob; the zero value means the defaults.
type CleanupConfig struct {
	Window    string        // off-peak window, "HH:MM-HH:MM" in GMT+8; default "02:00-05:00"
	Retention time.Duration // rows marked deleted longer ago than this are removed; default 72 h
	Batch     int           // rows per DELETE; default 1000
	// RetryAfter is the wait after a failed run before trying again inside
	// the same window; default 1 min.
	RetryAfter time.Duration
	Clock      clock.Clock      // default the DB's clock
	OnRun      func(CleanupRun) // called after every run (logs, tests); optional
}

// CleanupRun reports one run of the job.
type CleanupRun struct {
	At      time.Time // when it started
	Deleted int
	Err     error // nil, or why it stopped early (the window's end is not an error)
}

// CleanupJob runs Cleanup once per off-peak window, and only inside it: a
// run still going at the window's end is cancelled (rows deleted so far stay
// deleted; the next window goes on).
type CleanupJob struct {
	db     *DB
	cfg    CleanupConfig
	window Window
	clock  clock.Clock
}

// NewCleanupJob validates cfg.
func NewCleanupJob(db *DB, cfg CleanupConfig) (*CleanupJob, error) {
	if cfg.Window == "" {
		cfg.Window = "02:00-05:00"
	}
	w, err := ParseWindow(cfg.Window)
	if err != nil {
		return nil, err
	}
	if cfg.Retention < 0 || cfg.Batch < 0 || cfg.RetryAfter < 0 {
		return nil, errors.New("sellerdb: negative cleanup setting")
	}
	if cfg.Retention == 0 {
		cfg.Retention = 72 * time.Hour
	}
	if cfg.Batch == 0 {
		cfg.Batch = defaultCleanupBatch
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = time.Minute
	}
	c := cfg.Clock
	if c == nil {
		c = db.clock
	}
	return &CleanupJob{db: db, cfg: cfg, window: w, clock: c}, nil
}

// Run loops until ctx ends, then returns ctx.Err().
func (j *CleanupJob) Run(ctx context.Context) error {
	for {
		now := j.clock.Now()
		start, end := j.window.Next(now)
		if now.Before(start) {
			if err := clock.Wait(ctx, j.clock, start.Sub(now)); err != nil {
				return err
			}
			continue
		}
		run := j.runOnce(ctx, now, end)
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := end.Sub(j.clock.Now()) // done for this window
		if run.Err != nil {
			wait = min(wait, j.cfg.RetryAfter)
		}
		if err := clock.Wait(ctx, j.clock, wait); err != nil {
			return err
		}
	}
}

// runOnce runs Cleanup until it is done or the window ends at end.
func (j *CleanupJob) runOnce(ctx context.Context, now, end time.Time) CleanupRun {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	closing := j.clock.AfterFunc(end.Sub(now), func() { cancel(errWindowEnded) })
	defer closing.Stop()
	n, err := j.db.Cleanup(runCtx, now.Add(-j.cfg.Retention), j.cfg.Batch)
	if err != nil && errors.Is(context.Cause(runCtx), errWindowEnded) && ctx.Err() == nil {
		err = nil
	}
	run := CleanupRun{At: now, Deleted: n, Err: err}
	if j.cfg.OnRun != nil {
		j.cfg.OnRun(run)
	}
	return run
}

var errWindowEnded = errors.New("sellerdb: off-peak window ended")
