package sellerdb

import (
	"context"
	"database/sql"
	"errors"
)

// txWriter sends one transaction's statements and counts them.
type txWriter struct {
	ctx context.Context
	tx  *sql.Tx
	db  *DB
	now string // jdp_created / jdp_modified of this transaction
	n   *Counts
}

// conditional sends the guarded UPDATE and, when it changed nothing (the row
// is missing or as new), the guarded insert.
func (w *txWriter) conditional(d *Doc, update, insert *sql.Stmt) (outcome, error) {
	ok, err := w.update(d, update)
	if err != nil || ok {
		return outWritten, err
	}
	return w.insert(d, insert)
}

// selectUpdate is the old pattern: read the row, then send what it needs.
// The statements it sends are the guarded ones, so a concurrent writer
// between the read and the write cannot make it move the row back.
func (w *txWriter) selectUpdate(d *Doc) (outcome, error) {
	w.n.Select++
	var modified, hash sql.NullString
	err := w.tx.StmtContext(w.ctx, w.db.stmts.selectRow).QueryRowContext(w.ctx, d.Tid).Scan(&modified, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return w.insert(d, w.db.stmts.insert)
	case err != nil:
		return outStale, err
	}
	stored, err := scanTime(&modified.String)
	if err != nil {
		return outStale, err
	}
	if !stored.Before(d.Modified) {
		return outStale, nil
	}
	return w.conditional(d, w.db.stmts.update, w.db.stmts.insert)
}

// update sends the guarded UPDATE; true when it changed the row.
func (w *txWriter) update(d *Doc, stmt *sql.Stmt) (bool, error) {
	w.n.Update++
	modified := dbTime(d.Modified)
	r, err := w.tx.StmtContext(w.ctx, stmt).ExecContext(w.ctx,
		d.Status, d.Type, d.SellerNick, d.BuyerNick, dbTime(d.Created), modified, d.Hash, string(d.JSON), w.now,
		d.Tid, modified)
	if err != nil {
		return false, err
	}
	rows, err := r.RowsAffected()
	return rows > 0, err
}

// insert sends the guarded insert: it inserts a missing row or updates one
// whose modified is older (the guard); otherwise it changes nothing (stale).
func (w *txWriter) insert(d *Doc, stmt *sql.Stmt) (outcome, error) {
	w.n.Insert++
	r, err := w.tx.StmtContext(w.ctx, stmt).ExecContext(w.ctx,
		d.Tid, d.Status, d.Type, d.SellerNick, d.BuyerNick, dbTime(d.Created), dbTime(d.Modified), d.Hash, string(d.JSON), w.now, w.now)
	if err != nil {
		return outStale, err
	}
	rows, err := r.RowsAffected()
	if err != nil || rows == 0 {
		return outStale, err
	}
	return outWritten, nil
}
