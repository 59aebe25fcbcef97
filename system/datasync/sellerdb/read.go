package sellerdb

import (
	"context"
	"database/sql"
	"time"
)

// Version is what the reconciler compares with the platform.
type Version struct {
	Tid      int64
	Modified time.Time
	Hash     string
	Status   string
	Deleted  bool // logically deleted (jdp_delete=1): the row holds this version, marked on purpose
}

// Versions returns the rows of seller whose modified is in [from, to]
// (both inclusive, second resolution), ordered by modified then tid.
// Logically deleted rows are included, flagged Deleted: they hold their
// version, so a reconciler that compares (tid, modified, hash) leaves them
// alone instead of repairing them back every pass.
func (db *DB) Versions(ctx context.Context, seller string, from, to time.Time) (out []Version, err error) {
	_, err = db.retry(ctx, "versions", func() error {
		out, err = db.versions(ctx, seller, from, to)
		return err
	})
	return out, err
}

func (db *DB) versions(ctx context.Context, seller string, from, to time.Time) ([]Version, error) {
	db.stats.sel.Add(1)
	rows, err := db.sql.QueryContext(ctx, db.dialect.versions, seller, dbTime(from), dbTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var modified, hash, status sql.NullString
		var deleted int64
		if err := rows.Scan(&v.Tid, &modified, &hash, &status, &deleted); err != nil {
			return nil, err
		}
		if v.Modified, err = scanTime(&modified.String); err != nil {
			return nil, err
		}
		v.Hash, v.Status, v.Deleted = hash.String, status.String, deleted != 0
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Row is one stored order without its JSON.
type Row struct {
	Tid                     int64
	Status, Type            string
	SellerNick, BuyerNick   string
	Created, Modified       time.Time
	Hash                    string
	JDPCreated, JDPModified time.Time
	Deleted                 bool
}

// scanPageSize bounds each read of Scan, so no cursor stays open while fn runs.
const scanPageSize = 1000

// Scan calls fn for every row, deleted ones included, in tid order, reading
// pages by key (rows written meanwhile may or may not be seen). It stops at
// the first error of fn and returns it.
func (db *DB) Scan(ctx context.Context, fn func(Row) error) error {
	after := int64(0)
	for {
		var page []Row
		_, err := db.retry(ctx, "scan", func() (err error) {
			page, err = db.scanPage(ctx, after)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < scanPageSize {
			return nil
		}
		after = page[len(page)-1].Tid
	}
}

func (db *DB) scanPage(ctx context.Context, after int64) ([]Row, error) {
	db.stats.sel.Add(1)
	rows, err := db.sql.QueryContext(ctx, db.dialect.scanPage, after, scanPageSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []Row
	for rows.Next() {
		var r Row
		var status, typ, seller, buyer, created, modified, hash, jcreated, jmodified sql.NullString
		var deleted int64
		if err := rows.Scan(&r.Tid, &status, &typ, &seller, &buyer, &created, &modified, &hash, &jcreated, &jmodified, &deleted); err != nil {
			return nil, err
		}
		r.Status, r.Type, r.SellerNick, r.BuyerNick, r.Hash, r.Deleted = status.String, typ.String, seller.String, buyer.String, hash.String, deleted != 0
		for _, t := range []struct {
			dst *time.Time
			src *sql.NullString
		}{{&r.Created, &created}, {&r.Modified, &modified}, {&r.JDPCreated, &jcreated}, {&r.JDPModified, &jmodified}} {
			if *t.dst, err = scanTime(&t.src.String); err != nil {
				return nil, err
			}
		}
		page = append(page, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return page, nil
}
