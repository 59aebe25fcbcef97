package reconcile

import "sync/atomic"

// Stats are cumulative counters since New.
type Stats struct {
	Passes           int64 // tail passes over the owned sellers
	Windows          int64 // windows verified completely (tail and sweep)
	SweepWindows     int64 // of which by the sweep
	SweepCycles      int64 // sweeps that reached the tail and started over
	Pages            int64 // platform pages read
	Compared         int64 // platform orders compared with the database
	Missing          int64 // orders the database lacked
	Stale            int64 // rows with an older modified than the platform's
	Altered          int64 // rows with the platform's modified but another hash
	Extra            int64 // rows in a window the platform did not list (left alone: a newer version lives in a later window)
	Repaired         int64 // rows the repairs wrote
	Refused          int64 // repairs the modified guard refused (the row was newer meanwhile)
	Malformed        int64 // platform orders that cannot be stored (skipped, as the worker skips them)
	APIErrors        int64 // failed platform calls and unusable listings: the window is retried, its checkpoint kept
	StoreErrors      int64 // failed database reads or repairs: likewise
	Checkpoints      int64 // checkpoints saved
	CheckpointErrors int64
}

type counters struct {
	passes, windows, sweepWindows, sweepCycles, pages           atomic.Int64
	compared, missing, stale, altered, extra, repaired, refused atomic.Int64
	malformed, apiErrors, storeErrors, checkpoints, cpErrors    atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Passes: c.passes.Load(), Windows: c.windows.Load(), SweepWindows: c.sweepWindows.Load(),
		SweepCycles: c.sweepCycles.Load(), Pages: c.pages.Load(), Compared: c.compared.Load(),
		Missing: c.missing.Load(), Stale: c.stale.Load(), Altered: c.altered.Load(), Extra: c.extra.Load(),
		Repaired: c.repaired.Load(), Refused: c.refused.Load(), Malformed: c.malformed.Load(),
		APIErrors: c.apiErrors.Load(), StoreErrors: c.storeErrors.Load(),
		Checkpoints: c.checkpoints.Load(), CheckpointErrors: c.cpErrors.Load(),
	}
}
