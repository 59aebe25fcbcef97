package sellerdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/toplab/toplab/system/clock"
)

func TestClassify(t *testing.T) {
	busy, constraint := sqliteErrors(t)
	for _, tc := range []struct {
		name string
		err  error
		want errClass
	}{
		{"nil", nil, errFatal},
		{"deadlock", &mysql.MySQLError{Number: 1213}, errDeadlock},
		{"wrapped deadlock", fmt.Errorf("exec: %w", &mysql.MySQLError{Number: 1213}), errDeadlock},
		{"lock wait timeout", &mysql.MySQLError{Number: 1205}, errTransient},
		{"connection killed", &mysql.MySQLError{Number: 1927}, errTransient},
		{"server shutdown", &mysql.MySQLError{Number: 1053}, errTransient},
		{"server gone", &mysql.MySQLError{Number: 2006}, errTransient},
		{"lost connection", &mysql.MySQLError{Number: 2013}, errTransient},
		{"duplicate key", &mysql.MySQLError{Number: 1062}, errFatal},
		{"no such table", &mysql.MySQLError{Number: 1146}, errFatal},
		{"data too long", &mysql.MySQLError{Number: 1406}, errFatal},
		{"bad conn", driver.ErrBadConn, errTransient},
		{"invalid conn", mysql.ErrInvalidConn, errTransient},
		{"eof", io.EOF, errTransient},
		{"unexpected eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), errTransient},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, errTransient},
		{"reset", syscall.ECONNRESET, errTransient},
		{"sqlite busy", busy, errTransient},
		{"sqlite constraint", constraint, errFatal},
		{"locked as text", errors.New("database is locked (5) (SQLITE_BUSY)"), errTransient},
		{"canceled", context.Canceled, errFatal},
		{"deadline", context.DeadlineExceeded, errFatal},
		{"deadlock then canceled", errors.Join(&mysql.MySQLError{Number: 1213}, context.Canceled), errFatal},
		{"other", errors.New("syntax error"), errFatal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Fatalf("classify(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// sqliteErrors makes a real SQLITE_BUSY (a second writer with no busy
// timeout) and a real constraint error.
func sqliteErrors(t *testing.T) (busy, constraint error) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if _, err := a.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	tx, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, busy = b.Exec("INSERT INTO t VALUES (2)")
	if busy == nil {
		t.Fatal("no SQLITE_BUSY from a second writer")
	}
	_, constraint = tx.Exec("INSERT INTO t VALUES (1)")
	if constraint == nil {
		t.Fatal("no constraint error")
	}
	return busy, constraint
}

// retryDB is a DB with only what retry needs.
func retryDB(c clock.Clock, attempts int) *DB {
	cfg, _ := Config{DSN: "x", Clock: c, Retry: Retry{Attempts: attempts, Base: 10 * time.Millisecond, Max: 80 * time.Millisecond}}.withDefaults()
	return &DB{cfg: cfg, clock: cfg.Clock, rand: rand.New(rand.NewPCG(1, 2))}
}

// advancing moves fc on whenever something waits on it, until ctx ends.
func advancing(ctx context.Context, fc *clock.Fake) {
	for fc.BlockUntil(ctx, 1) == nil {
		fc.Advance(time.Second)
	}
}

func TestRetry(t *testing.T) {
	deadlock, refused := &mysql.MySQLError{Number: 1213}, syscall.ECONNREFUSED
	fatal := &mysql.MySQLError{Number: 1062}
	for _, tc := range []struct {
		name                 string
		errs                 []error // returned by successive attempts; nil = success
		attempts             int
		wantN                int
		wantErr              error
		wantRetries, wantDdl int64
	}{
		{"first try", []error{nil}, 4, 1, nil, 0, 0},
		{"two deadlocks", []error{deadlock, deadlock, nil}, 4, 3, nil, 2, 2},
		{"refused then ok", []error{refused, refused, refused, nil}, 4, 4, nil, 3, 0},
		{"gives up", []error{refused, refused, refused, refused, nil}, 4, 4, refused, 3, 0},
		{"fatal at once", []error{fatal, nil}, 4, 1, fatal, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := clock.NewFake(time.Unix(0, 0))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go advancing(ctx, fc)
			db := retryDB(fc, tc.attempts)
			calls := 0
			n, err := db.retry(ctx, "test", func() error { calls++; return tc.errs[calls-1] })
			if n != tc.wantN || calls != tc.wantN || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("n=%d calls=%d err=%v; want n=%d err=%v", n, calls, err, tc.wantN, tc.wantErr)
			}
			if s := db.Stats(); s.Retries != tc.wantRetries || s.Deadlocks != tc.wantDdl {
				t.Fatalf("retries %d deadlocks %d; want %d %d", s.Retries, s.Deadlocks, tc.wantRetries, tc.wantDdl)
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	fc := clock.NewFake(time.Unix(0, 0))
	db := retryDB(fc, 100)
	ctx, cancel := context.WithCancel(t.Context())
	go advancing(ctx, fc)
	calls := 0
	n, err := db.retry(ctx, "test", func() error {
		calls++
		if calls == 3 {
			cancel() // the caller gives up while the database is down
		}
		return syscall.ECONNREFUSED
	})
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Fatalf("n=%d err=%v; want 3 attempts and context.Canceled", n, err)
	}
}

func TestBackoffBounds(t *testing.T) {
	db := retryDB(clock.Real{}, 8)
	for n := 1; n <= 40; n++ {
		ceiling := min(db.cfg.Retry.Max, db.cfg.Retry.Base<<min(n-1, 30))
		for range 50 {
			if d := db.backoff(n); d < 0 || d >= ceiling {
				t.Fatalf("backoff(%d) = %s, want [0, %s)", n, d, ceiling)
			}
		}
	}
}
