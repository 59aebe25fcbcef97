package sellerdb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/testenv"
)

// faultRetry outlasts a server restart: up to 100 attempts, at most 500 ms apart.
var faultRetry = sellerdb.Retry{Attempts: 100, Base: 10 * time.Millisecond, Max: 500 * time.Millisecond}

// writeVersions writes versions 0..versions-1 of orders 1..orders in
// batches of batch, in version order, and signals after every batch.
func writeVersions(t *testing.T, db *sellerdb.DB, orders, versions, batch int, progress chan<- struct{}) error {
	for v := range versions {
		var docs []sellerdb.Doc
		for tid := 1; tid <= orders; tid++ {
			docs = append(docs, version(t, int64(tid), v))
			if len(docs) == batch || tid == orders {
				if _, err := db.Write(context.Background(), docs); err != nil {
					return err
				}
				docs = nil
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}
	}
	return nil
}

// assertNewest checks every order holds its last version.
func assertNewest(t *testing.T, db *sellerdb.DB, orders, versions int) {
	t.Helper()
	got := rows(t, db)
	if len(got) != orders {
		t.Errorf("%d rows, want %d", len(got), orders)
	}
	for tid := 1; tid <= orders; tid++ {
		want := version(t, int64(tid), versions-1)
		if r := got[int64(tid)]; r.Hash != want.Hash || !r.Modified.Equal(want.Modified) {
			t.Errorf("tid %d: %s %s, want %s %s", tid, r.Status, r.Modified, want.Status, want.Modified)
		}
	}
}

// TestKilledConnections: a second connection KILLs the writer's connections
// after every batch; writes retry and nothing is lost.
func TestKilledConnections(t *testing.T) {
	const orders, versions, batch, writers = 60, 6, 10, 2
	dsn := mariaDSN(t)
	db := open(t, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: dsn, Retry: faultRetry, MaxOpenConns: 4})
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	cfg, _ := mysql.ParseDSN(dsn)

	progress := make(chan struct{}, 1)
	killerDone := make(chan struct{})
	ctx, stop := context.WithCancel(t.Context())
	kills := 0
	go func() {
		defer close(killerDone)
		for {
			select {
			case <-ctx.Done():
				return
			case <-progress:
			}
			kills += killConnections(ctx, t, admin, cfg.DBName)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() { errs <- writeVersions(t, db, orders, versions, batch, progress) })
	}
	wg.Wait()
	stop()
	<-killerDone
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a write failed: %v", err)
		}
	}
	s := db.Stats()
	t.Logf("%d connections killed; stats %+v", kills, s)
	if kills == 0 || s.Retries == 0 {
		t.Fatalf("the test killed %d connections and caused %d retries: it proved nothing", kills, s.Retries)
	}
	assertNewest(t, db, orders, versions)
}

// killConnections kills every connection to database name but admin's own.
func killConnections(ctx context.Context, t *testing.T, admin *sql.DB, name string) int {
	rs, err := admin.QueryContext(ctx, "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", name)
	if err != nil {
		if ctx.Err() == nil {
			t.Error(err)
		}
		return 0
	}
	var ids []int64
	for rs.Next() {
		var id int64
		if rs.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rs.Close()
	n := 0
	for _, id := range ids {
		// KILL cannot be prepared; ids are integers. A connection may have gone already.
		if _, err := admin.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err == nil {
			n++
		}
	}
	return n
}

// TestServerRestart: the server stops and starts again while writers run;
// writes wait it out and nothing is lost.
func TestServerRestart(t *testing.T) {
	const orders, versions, batch, writers = 40, 8, 5, 2
	srv := testenv.MariaDB(t)
	db := open(t, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: srv.DSN, Retry: faultRetry})
	progress := make(chan struct{}, 1)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() { errs <- writeVersions(t, db, orders, versions, batch, progress) })
	}
	<-progress // writers are under way
	if err := srv.Restart(t.Context(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a write failed: %v", err)
		}
	}
	s := db.Stats()
	t.Logf("stats %+v", s)
	if s.Retries == 0 {
		t.Fatalf("no write retried: the restart happened outside the writes")
	}
	assertNewest(t, db, orders, versions)
}

// TestOppositeOrderBatches: two writers send the same rows in opposite
// orders. Raw transactions doing that deadlock on this server (shown
// first); the writer sorts each batch, so none occurs and none surfaces.
func TestOppositeOrderBatches(t *testing.T) {
	const orders, rounds = 50, 30
	dsn := mariaDSN(t)
	db := open(t, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: dsn})
	var first []sellerdb.Doc
	for tid := 1; tid <= orders; tid++ {
		first = append(first, version(t, int64(tid), 0))
	}
	mustWrite(t, db, first)

	if err := rawOppositeOrder(t, db.SQL()); !isDeadlock(err) {
		t.Fatalf("raw opposite-order transactions: %v, want a deadlock (1213)", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, descending := range []bool{false, true} {
		wg.Go(func() {
			for v := 1; v <= rounds; v++ {
				docs := make([]sellerdb.Doc, orders)
				for i := range orders {
					tid := i + 1
					if descending {
						tid = orders - i
					}
					docs[i] = version(t, int64(tid), v)
				}
				if _, err := db.Write(context.Background(), docs); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a write failed: %v", err)
	}
	s := db.Stats()
	t.Logf("stats %+v", s)
	if s.Deadlocks != 0 {
		t.Errorf("%d deadlocks with sorted batches\n%s", s.Deadlocks, latestDeadlock(t, db.SQL()))
	}
	assertNewest(t, db, orders, rounds+1)
}

// rawOppositeOrder updates rows 1 and 2 in two transactions in opposite
// orders and returns the error one of them gets.
func rawOppositeOrder(t *testing.T, db *sql.DB) error {
	ctx := t.Context()
	a, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback()
	b, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	touch := func(tx *sql.Tx, tid int) error {
		_, err := tx.ExecContext(ctx, "UPDATE jdp_tb_trade SET jdp_delete = jdp_delete WHERE tid = ?", tid)
		return err
	}
	if err := touch(a, 1); err != nil {
		t.Fatal(err)
	}
	if err := touch(b, 2); err != nil {
		t.Fatal(err)
	}
	aDone := make(chan error, 1)
	go func() { aDone <- touch(a, 2) }() // waits for b
	errB := touch(b, 1)                  // closes the cycle (or waits for a, whose update then does)
	if errB != nil {
		b.Rollback() // frees a
		return errors.Join(errB, <-aDone)
	}
	return <-aDone
}

func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// latestDeadlock returns InnoDB's report of the last deadlock, for failure messages.
func latestDeadlock(t *testing.T, db *sql.DB) string {
	var typ, name, status string
	if err := db.QueryRowContext(t.Context(), "SHOW ENGINE INNODB STATUS").Scan(&typ, &name, &status); err != nil {
		return err.Error()
	}
	if i := strings.Index(status, "LATEST DETECTED DEADLOCK"); i >= 0 {
		status = status[i:]
		if j := strings.Index(status, "TRANSACTIONS\n"); j > 0 {
			status = status[:j]
		}
	}
	return status
}
