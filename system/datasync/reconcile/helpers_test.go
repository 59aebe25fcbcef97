package reconcile_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

// now0 is the fake clock's start: a Double 11 noon in the protocol's zone.
var now0 = time.Date(2026, 11, 11, 12, 0, 0, 0, top.GMT8)

var quiet = slog.New(slog.DiscardHandler)

const sellerA, sellerB = "seller_a", "seller_b"

// testDB is a seller database a test can damage behind the reconciler's back.
type testDB interface {
	reconcile.Store
	seed(t *testing.T, docs ...sellerdb.Doc) // as the worker wrote them
	remove(t *testing.T, tid int64)
	alter(t *testing.T, tid int64) // another status and hash at the same modified
	row(t *testing.T, tid int64) (status string, modified time.Time, hash string, ok bool)
	// writeOps counts what could have changed rows: Repair calls (memory)
	// or UPDATE and INSERT statements (SQL).
	writeOps() int64
}

// stores are the databases every repair test runs against.
var stores = []struct {
	name string
	open func(t *testing.T, clk clock.Clock) testDB
}{
	{"memory", func(*testing.T, clock.Clock) testDB { return memDB{newMemStore()} }},
	{"sellerdb-sqlite", openSQLiteDB},
}

type memDB struct{ *memStore }

func (m memDB) seed(_ *testing.T, docs ...sellerdb.Doc) { m.memStore.seed(docs...) }
func (m memDB) remove(_ *testing.T, tid int64)          { m.memStore.remove(tid) }
func (m memDB) alter(_ *testing.T, tid int64)           { m.memStore.alter(tid) }
func (m memDB) row(_ *testing.T, tid int64) (string, time.Time, string, bool) {
	d, ok := m.memStore.row(tid)
	return d.Status, d.Modified, d.Hash, ok
}
func (m memDB) writeOps() int64 { n, _ := m.counts(); return int64(n) }

type sqliteDB struct{ *sellerdb.DB }

func openSQLiteDB(t *testing.T, clk clock.Clock) testDB {
	db, err := sellerdb.Open(context.Background(), sellerdb.Config{DSN: filepath.Join(t.TempDir(), "seller.db"), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sqliteDB{db}
}

func (s sqliteDB) seed(t *testing.T, docs ...sellerdb.Doc) {
	t.Helper()
	if _, err := s.Write(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func (s sqliteDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	res, err := s.SQL().Exec(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s %v: %d rows affected, want 1", q, args, n)
	}
}

func (s sqliteDB) remove(t *testing.T, tid int64) {
	s.exec(t, `DELETE FROM jdp_tb_trade WHERE tid = ?`, tid)
}

func (s sqliteDB) alter(t *testing.T, tid int64) {
	s.exec(t, `UPDATE jdp_tb_trade SET status = 'TRADE_CLOSED', jdp_hashcode = '0000000000000000' WHERE tid = ?`, tid)
}

func (s sqliteDB) row(t *testing.T, tid int64) (string, time.Time, string, bool) {
	t.Helper()
	var status, modified, hash string
	err := s.SQL().QueryRow(`SELECT status, modified, jdp_hashcode FROM jdp_tb_trade WHERE tid = ?`, tid).Scan(&status, &modified, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	m, ok := top.ParseTimestamp(modified)
	if !ok {
		t.Fatalf("stored modified %q", modified)
	}
	return status, m, hash, true
}

func (s sqliteDB) writeOps() int64 {
	st := s.Stats().Statements
	return st.Update + st.Insert
}

// assertSynced fails unless every platform order has an equal row.
func assertSynced(t *testing.T, p *platform, db testDB) {
	t.Helper()
	for _, d := range p.all() {
		status, modified, hash, ok := db.row(t, d.Tid)
		if !ok || status != d.Status || !modified.Equal(d.Modified) || hash != d.Hash {
			t.Fatalf("tid %d: row (%v) %s %s %s, platform %s", d.Tid, ok, status, top.FormatTimestamp(modified), hash, desc(d))
		}
	}
}

// config is a test configuration: first run two hours back, no sweep.
func config(clk clock.Clock, p reconcile.Platform, s reconcile.Store, cps reconcile.Checkpoints, sellers ...string) reconcile.Config {
	return reconcile.Config{
		Platform: p, Store: s, Checkpoints: cps, Sellers: reconcile.StaticSellers(sellers),
		Clock: clk, Logger: quiet, Start: now0.Add(-2 * time.Hour), Horizon: 6 * time.Hour, SweepEvery: -1,
	}
}

func mustNew(t *testing.T, cfg reconcile.Config) *reconcile.Reconciler {
	t.Helper()
	r, err := reconcile.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tailCheckpoint reads a seller's tail checkpoint.
func tailCheckpoint(t *testing.T, cps reconcile.Checkpoints, seller string) (time.Time, bool) {
	t.Helper()
	cp, ok, err := cps.Load(context.Background(), reconcile.CheckpointName("datasync.reconcile", reconcile.KindTail, seller))
	if err != nil {
		t.Fatal(err)
	}
	return cp, ok
}

// populate puts n orders of seller on the platform, modified one every
// spacing back from last, with tids from first.
func populate(p *platform, seller string, first int64, n int, last time.Time, spacing time.Duration) []sellerdb.Doc {
	out := make([]sellerdb.Doc, 0, n)
	for i := range n {
		out = append(out, p.put(first+int64(i), seller, "WAIT_SELLER_SEND_GOODS", last.Add(-time.Duration(i)*spacing)))
	}
	return out
}
