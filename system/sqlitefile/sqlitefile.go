// Package sqlitefile opens SQLite files that several local processes share
// (the embedded default's metadata store and coordination file).
package sqlitefile

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go driver: the binary stays static
)

// Open opens path in WAL mode with a 10 s busy timeout, at most maxConns
// connections.
func Open(path string, maxConns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	return db, nil
}

// Exec runs statements in order, retrying one while another process holds
// a lock SQLite refuses to wait for: two processes creating the same file
// at once (switching it to WAL, creating tables) get SQLITE_BUSY at once,
// whatever the busy timeout, when waiting could deadlock.
func Exec(ctx context.Context, db *sql.DB, stmts ...string) error {
	for _, q := range stmts {
		for {
			_, err := db.ExecContext(ctx, q)
			if err == nil {
				break
			}
			if !busy(err) {
				return err
			}
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

func busy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}
