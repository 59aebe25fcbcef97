package sellerdb

import "sync/atomic"

// Counts are database statements sent, by kind (retried attempts included).
type Counts struct {
	Select, Update, Insert, Delete int64
}

// Total is the number of statements.
func (c Counts) Total() int64 { return c.Select + c.Update + c.Insert + c.Delete }

func (c *Counts) add(o Counts) {
	c.Select += o.Select
	c.Update += o.Update
	c.Insert += o.Insert
	c.Delete += o.Delete
}

// WriteResult tells what one Write or Repair did. Written + Skipped + Stale
// is the number of docs given.
type WriteResult struct {
	Written    int    // rows inserted or changed
	Skipped    int    // not sent: the cache shows this or a newer version committed, or the batch held a newer one
	Stale      int    // sent and refused by the modified guard: the row is as new or newer
	Attempts   int    // transaction attempts (1 without retries)
	Statements Counts // every statement sent, failed attempts included
}

// Stats are cumulative since Open.
type Stats struct {
	Statements Counts
	Written    int64
	Skipped    int64
	Stale      int64
	Retries    int64 // transactions re-run after a transient error
	Deadlocks  int64 // MySQL 1213 among those errors
	Deleted    int64 // rows removed by Cleanup
	Marked     int64 // rows marked by MarkDeleted
}

type counters struct {
	sel, upd, ins, del                          atomic.Int64
	written, skipped, stale, retries, deadlocks atomic.Int64
	deleted, marked                             atomic.Int64
}

func (c *counters) addStatements(n Counts) {
	c.sel.Add(n.Select)
	c.upd.Add(n.Update)
	c.ins.Add(n.Insert)
	c.del.Add(n.Delete)
}

// Stats returns the cumulative counters.
func (db *DB) Stats() Stats {
	c := &db.stats
	return Stats{
		Statements: Counts{Select: c.sel.Load(), Update: c.upd.Load(), Insert: c.ins.Load(), Delete: c.del.Load()},
		Written:    c.written.Load(),
		Skipped:    c.skipped.Load(),
		Stale:      c.stale.Load(),
		Retries:    c.retries.Load(),
		Deadlocks:  c.deadlocks.Load(),
		Deleted:    c.deleted.Load(),
		Marked:     c.marked.Load(),
	}
}
