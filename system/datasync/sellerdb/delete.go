package sellerdb

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/top"
)

// markChunk bounds the tids of one MarkDeleted statement.
const markChunk = 500

// defaultCleanupBatch is Cleanup's batch when given none.
const defaultCleanupBatch = 1000

// MarkDeleted deletes rows logically: jdp_delete=1 and jdp_modified=now, so
// consumers reading by jdp_modified see the change. It returns the rows
// marked (rows already marked or missing are not counted). Each chunk of
// tids is one UPDATE in its own transaction, retried like a write. A later
// write of a newer version revives the row (jdp_delete=0): the newest version
// of an order is never lost.
func (db *DB) MarkDeleted(ctx context.Context, tids []int64) (int, error) {
	tids = slices.Clone(tids)
	slices.Sort(tids) // the writers' lock order
	tids = slices.Compact(tids)
	total := 0
	for chunk := range slices.Chunk(tids, markChunk) {
		var b strings.Builder
		b.WriteString(db.dialect.markPrefix)
		for i, tid := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(tid, 10)) // integers, so inlining them is safe
		}
		b.WriteString(")")
		now := top.FormatTimestamp(db.clock.Now())
		n, err := db.execWrite(ctx, "mark deleted", &db.stats.upd, func() (int64, error) {
			r, err := db.sql.ExecContext(ctx, b.String(), now)
			if err != nil {
				return 0, err
			}
			return r.RowsAffected()
		})
		if err != nil {
			return total, err
		}
		total += int(n)
		db.stats.marked.Add(n)
	}
	return total, nil
}

// Cleanup physically deletes rows marked deleted whose jdp_modified is
// before olderThan, at most batch rows per DELETE (each its own transaction,
// so locks and undo stay small), until a DELETE removes nothing or ctx ends:
// n rows take ceil(n/batch)+1 statements. It returns the rows deleted.
func (db *DB) Cleanup(ctx context.Context, olderThan time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = defaultCleanupBatch
	}
	cutoff := top.FormatTimestamp(olderThan)
	total := 0
	for {
		n, err := db.execWrite(ctx, "cleanup", &db.stats.del, func() (int64, error) {
			r, err := db.stmts.cleanup.ExecContext(ctx, cutoff, batch)
			if err != nil {
				return 0, err
			}
			return r.RowsAffected()
		})
		if err != nil {
			return total, err
		}
		total += int(n)
		db.stats.deleted.Add(n)
		if n == 0 {
			return total, nil
		}
	}
}
