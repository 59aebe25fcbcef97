package sellerdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/toplab/toplab/system/clock"
)

// errClass says whether a failed transaction may be run again.
type errClass int

const (
	errFatal     errClass = iota // return at once
	errDeadlock                  // MySQL 1213: retry
	errTransient                 // lock wait, lost or refused connection, SQLite BUSY: retry
)

// MySQL server error numbers that a re-run of the transaction can cure.
var transientMySQL = map[uint16]bool{
	1205: true, // lock wait timeout
	1040: true, // too many connections
	1053: true, // server shutdown in progress
	1317: true, // query interrupted (KILL QUERY)
	1927: true, // connection killed (MariaDB)
	2006: true, // server has gone away
	2013: true, // lost connection during query
}

// classify sorts an error from a write transaction.
func classify(err error) errClass {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errFatal
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case me.Number == 1213:
			return errDeadlock
		case transientMySQL[me.Number]:
			return errTransient
		}
		return errFatal
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == 5 || c == 6 { // SQLITE_BUSY, SQLITE_LOCKED and their extended codes
			return errTransient
		}
		return errFatal
	}
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return errTransient
	}
	// SQLite errors that lost their type on the way (sqlitefile matches text too).
	if s := err.Error(); strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked") {
		return errTransient
	}
	return errFatal
}

// retry runs attempt until it succeeds, fails for good, the attempts run
// out or ctx ends. It returns the attempts made.
func (db *DB) retry(ctx context.Context, what string, attempt func() error) (int, error) {
	r := db.cfg.Retry
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return n, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return n, fmt.Errorf("sellerdb: %s: %w", what, errors.Join(err, cerr))
		}
		class := classify(err)
		if class == errDeadlock {
			db.stats.deadlocks.Add(1)
		}
		if class == errFatal {
			return n, fmt.Errorf("sellerdb: %s: %w", what, err)
		}
		if n >= r.Attempts {
			return n, fmt.Errorf("sellerdb: %s: gave up after %d attempts: %w", what, n, err)
		}
		db.stats.retries.Add(1)
		if err := clock.Wait(ctx, db.clock, db.backoff(n)); err != nil {
			return n, fmt.Errorf("sellerdb: %s: %w", what, err)
		}
	}
}

// backoff is the wait after the n-th failed attempt: full jitter.
func (db *DB) backoff(n int) time.Duration {
	r := db.cfg.Retry
	ceiling := r.Max
	if n-1 < 30 {
		ceiling = min(r.Max, r.Base<<(n-1))
	}
	if ceiling <= 0 {
		return 0
	}
	db.randMu.Lock()
	defer db.randMu.Unlock()
	return time.Duration(db.rand.Int64N(int64(ceiling)))
}
