package sellerdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/sqlitefile"
)

// DB writes orders into jdp_tb_trade. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	cfg     Config
	dialect dialect
	stmts   stmts
	cache   *lastWritten // nil when disabled
	stats   counters
	clock   clock.Clock

	// writeMu serialises this process's SQLite write transactions: SQLite
	// has one writer at a time anyway, and queueing here costs less than
	// BUSY errors and retries between our own connections. Nil for MySQL.
	writeMu *sync.Mutex

	randMu sync.Mutex
	rand   *rand.Rand // backoff jitter
}

// stmts are the prepared statements of the hot paths, built once.
type stmts struct {
	update, repairUpdate, insert, repairInsert, selectRow, cleanup *sql.Stmt
}

// Open connects, creates the table and its indexes when missing, and
// prepares the statements.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	db := &DB{cfg: cfg, clock: cfg.Clock, rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	switch cfg.Driver {
	case DriverSQLite:
		db.dialect = sqliteDialect()
		db.writeMu = new(sync.Mutex)
		db.sql, err = sqlitefile.Open(cfg.DSN, cfg.MaxOpenConns)
	case DriverMySQL:
		db.dialect = mysqlDialect()
		db.sql, err = openMySQL(ctx, cfg.DSN)
		if err == nil {
			db.sql.SetMaxOpenConns(cfg.MaxOpenConns)
			db.sql.SetMaxIdleConns(cfg.MaxOpenConns)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sellerdb: open %s: %w", cfg.Driver, err)
	}
	if err := db.init(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	if cfg.CacheSize > 0 {
		db.cache = newLastWritten(cfg.CacheSize)
	}
	return db, nil
}

func (db *DB) init(ctx context.Context) error {
	// sqlitefile.Exec retries the BUSY a second process creating the same file causes.
	if err := sqlitefile.Exec(ctx, db.sql, db.dialect.schema...); err != nil {
		return fmt.Errorf("sellerdb: create schema: %w", err)
	}
	d := &db.dialect
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&db.stmts.update, d.update},
		{&db.stmts.repairUpdate, d.repairUpdate},
		{&db.stmts.insert, d.insert},
		{&db.stmts.repairInsert, d.repairInsert},
		{&db.stmts.selectRow, d.selectRow},
		{&db.stmts.cleanup, d.cleanup},
	} {
		s, err := db.sql.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("sellerdb: prepare %q: %w", clip(p.sql), err)
		}
		*p.dst = s
	}
	return nil
}

// Close closes the statements, the connections and the cache.
func (db *DB) Close() error {
	var errs []error
	for _, s := range []*sql.Stmt{db.stmts.update, db.stmts.repairUpdate, db.stmts.insert, db.stmts.repairInsert, db.stmts.selectRow, db.stmts.cleanup} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	errs = append(errs, db.sql.Close())
	if db.cache != nil {
		db.cache.close()
	}
	return errors.Join(errs...)
}

// SQL exposes the connection pool, for tests and tools that read the table.
func (db *DB) SQL() *sql.DB { return db.sql }

// lockWrites takes the SQLite writer lock (see writeMu) and returns its release.
func (db *DB) lockWrites() func() {
	if db.writeMu == nil {
		return func() {}
	}
	db.writeMu.Lock()
	return db.writeMu.Unlock
}

// execWrite runs one auto-committed write statement with retries, counting
// each attempt in kind, and returns the rows it affected.
func (db *DB) execWrite(ctx context.Context, what string, kind *atomic.Int64, exec func() (int64, error)) (int64, error) {
	var n int64
	_, err := db.retry(ctx, what, func() (err error) {
		defer db.lockWrites()()
		kind.Add(1)
		n, err = exec()
		return err
	})
	return n, err
}
