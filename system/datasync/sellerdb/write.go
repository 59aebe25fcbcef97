package sellerdb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/toplab/toplab/system/top"
)

// Write stores the newest version of each order in docs, in one
// transaction: docs are sorted by tid, only the greatest modified of a tid is
// kept, and docs the cache shows as committed are skipped. On error nothing
// is confirmed written (the caller keeps its messages); retrying is safe.
func (db *DB) Write(ctx context.Context, docs []Doc) (WriteResult, error) {
	return db.write(ctx, docs, false)
}

// Repair is Write for the reconciler: it bypasses the skip cache and also
// rewrites a row whose modified equals the doc's (a row altered or deleted
// behind our back, or logically deleted: Repair revives it), always with the
// conditional statements. It still never moves a row back in time. Repairing
// a row identical to the doc leaves it so; SQLite counts it Written, MySQL
// Stale when jdp_modified falls in the same second (nothing changed).
func (db *DB) Repair(ctx context.Context, docs []Doc) (WriteResult, error) {
	return db.write(ctx, docs, true)
}

// outcome of one doc in a transaction.
type outcome uint8

const (
	outStale outcome = iota
	outWritten
)

func (db *DB) write(ctx context.Context, docs []Doc, repair bool) (WriteResult, error) {
	var res WriteResult
	batch, err := db.plan(docs, repair, &res)
	if err != nil {
		return res, err
	}
	if len(batch) == 0 {
		db.stats.skipped.Add(int64(res.Skipped))
		return res, nil
	}
	outcomes := make([]outcome, len(batch))
	attempts, err := db.retry(ctx, "write", func() error {
		n, err := db.writeTx(ctx, batch, outcomes, repair)
		res.Statements.add(n)
		db.stats.addStatements(n)
		return err
	})
	res.Attempts = attempts
	if err != nil {
		return res, err
	}
	for i := range batch {
		if outcomes[i] == outWritten {
			res.Written++
			db.cache.committed(batch[i])
		} else {
			res.Stale++
		}
	}
	db.stats.written.Add(int64(res.Written))
	db.stats.skipped.Add(int64(res.Skipped))
	db.stats.stale.Add(int64(res.Stale))
	return res, nil
}

// plan validates docs and returns the ones to send, sorted by tid (so
// concurrent transactions lock rows in one order), one per tid. res.Skipped
// counts the others.
func (db *DB) plan(docs []Doc, repair bool, res *WriteResult) ([]*Doc, error) {
	own := slices.Clone(docs) // validate may fill Hash: leave the caller's docs alone
	batch := make([]*Doc, 0, len(own))
	for i := range own {
		if err := own[i].validate(); err != nil {
			return nil, err
		}
		batch = append(batch, &own[i])
	}
	// Stable: among equal (tid, modified) the later doc wins, as a later message would.
	slices.SortStableFunc(batch, func(a, b *Doc) int {
		return cmp.Or(cmp.Compare(a.Tid, b.Tid), a.Modified.Compare(b.Modified))
	})
	out := batch[:0]
	for i, d := range batch {
		if i+1 < len(batch) && batch[i+1].Tid == d.Tid {
			res.Skipped++ // a newer (or equal, later) version of the tid follows
			continue
		}
		if !repair && db.cache.covers(d) {
			res.Skipped++
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// writeTx runs one attempt: a transaction over the batch. It fills outcomes
// and returns the statements it sent.
func (db *DB) writeTx(ctx context.Context, batch []*Doc, outcomes []outcome, repair bool) (n Counts, err error) {
	defer db.lockWrites()()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return n, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	w := txWriter{ctx: ctx, tx: tx, db: db, now: top.FormatTimestamp(db.clock.Now()), n: &n}
	for i, d := range batch {
		switch {
		case repair:
			outcomes[i], err = w.conditional(d, db.stmts.repairUpdate, db.stmts.repairInsert)
		case db.cfg.WriteMode == ModeSelectUpdate:
			outcomes[i], err = w.selectUpdate(d)
		default:
			outcomes[i], err = w.conditional(d, db.stmts.update, db.stmts.insert)
		}
		if err != nil {
			return n, err
		}
	}
	return n, tx.Commit()
}

// ignoreDone drops the error of rolling back a transaction the driver already ended.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
