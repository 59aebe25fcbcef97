// Package reconcile is the sync workers' safety net: it compares, per seller
// and window of modified time, what the platform holds
// (taobao.trades.sold.increment.get) with the seller's database by (tid,
// modified, hash), repairs missing and stale rows, and keeps a checkpoint per
// seller where every worker sees it.
//
// How it avoids the known causes of lost orders (REFERENCE section 3):
//
//   - Unchecked API errors: every page answer is checked; an error, a
//     garbled page or a listing that grew while it was paged aborts the
//     window, and the checkpoint does not move until the window was listed
//     completely, compared, and its repairs committed.
//   - Syncing by creation time only: windows are by modified time, so an old
//     order changed today is compared today.
//   - No checkpoint: the tail checkpoint (and the sweep position) live in a
//     shared Checkpoints store (the metadata store's cursors by default), so a
//     restarted or a new owner resumes where the last one stopped. A first
//     run starts at Config.Start or Horizon ago, never at "now".
//   - Gaps at window boundaries: windows are inclusive at both ends and each
//     starts Overlap (>= 1 s) before the previous end, so an order modified
//     on the boundary second is compared by both windows. The tail stops Lag
//     before now, so an order whose change commits late still lands inside a
//     window that was not yet verified.
//
// Paging: offset pages of a live listing shift when an order in the window
// changes again (it leaves the window, everything after it moves up a slot).
// Pages are therefore read last to first after a first page that tells the
// total: a shifted order can only move into a page not yet read, so it is
// read twice rather than never. A listing that grows while paged (which the
// Lag makes impossible for the trade centre) is read again.
//
// The tail pass follows each owned seller from its checkpoint to now - Lag.
// A slower sweep walks each seller's past from Horizon ago towards the tail
// checkpoint, one SweepWindow per SweepEvery, and starts over when less than
// a window is left; it repairs rows deleted or altered behind the worker's
// back after the tail passed them (defaults: a 7-day horizon in 1-hour steps,
// one a minute, so about every 2.8 hours). Two workers briefly reconciling
// the same seller (during a takeover) is harmless: every repair is a
// conditional write guarded by modified, and a checkpoint only ever marks a
// window someone verified.
//
// Comparing reads only each platform order's tid, modified and hash (a scan
// of the object's top level, about ten times cheaper than decoding it);
// the orders that need a repair are decoded and validated in full, as the
// worker's own writes are.
package reconcile
