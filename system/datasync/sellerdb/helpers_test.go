package sellerdb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
	"github.com/toplab/toplab/testenv"
)

// shared is one MariaDB server for the package's tests, each of which gets
// its own database on it; tests that stop the server start their own.
var shared struct {
	once sync.Once
	srv  *testenv.MariaDBServer
	err  error
	dbs  atomic.Int64
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Terminate()
	}
	os.Exit(code)
}

// mariaDSN returns the DSN of a fresh, empty database on the shared server,
// or skips t without Docker.
func mariaDSN(t testing.TB) string {
	t.Helper()
	testenv.NeedDocker(t)
	shared.once.Do(func() {
		shared.srv, shared.err = testenv.StartMariaDB(context.Background(), testenv.ContainerOptions{})
	})
	if shared.err != nil {
		if errors.Is(shared.err, testenv.ErrNoImage) {
			testenv.SkipOrFail(t, shared.err.Error(), "`make images`")
		}
		t.Fatal(shared.err)
	}
	return freshDatabase(t, shared.srv.DSN)
}

// freshDatabase creates a new database on the server of dsn and returns its DSN.
func freshDatabase(t testing.TB, dsn string) string {
	t.Helper()
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("sellerdb_%d", shared.dbs.Add(1))
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// backend is one row of the dialect tables: every behaviour test runs on
// SQLite and on MariaDB.
type backend struct {
	name string
	cfg  func(t testing.TB) sellerdb.Config
}

var backends = []backend{
	{"sqlite", func(t testing.TB) sellerdb.Config {
		return sellerdb.Config{Driver: sellerdb.DriverSQLite, DSN: filepath.Join(t.TempDir(), "seller.db")}
	}},
	{"mariadb", func(t testing.TB) sellerdb.Config {
		return sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: mariaDSN(t)}
	}},
}

var modes = []string{sellerdb.ModeConditional, sellerdb.ModeSelectUpdate}

// open opens cfg and closes it with t.
func open(t testing.TB, cfg sellerdb.Config) *sellerdb.DB {
	t.Helper()
	db, err := sellerdb.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// t0 is a fixed instant tests build versions from.
var t0 = time.Date(2025, 11, 11, 0, 0, 0, 0, top.GMT8)

// trade is the head of a test trade object; Note makes versions differ.
type trade struct {
	Tid        int64  `json:"tid"`
	Status     string `json:"status"`
	Type       string `json:"type"`
	SellerNick string `json:"seller_nick"`
	BuyerNick  string `json:"buyer_nick"`
	Created    string `json:"created"`
	Modified   string `json:"modified"`
	Note       string `json:"seller_memo,omitempty"`
}

// version builds version v (0, 1, ...) of order tid: modified t0+tid s+v s,
// one status per version.
func version(t testing.TB, tid int64, v int) sellerdb.Doc {
	t.Helper()
	return docOf(t, trade{
		Tid: tid, Status: fmt.Sprintf("S%d", v), Type: "fixed", SellerNick: sellerOf(tid), BuyerNick: "buyer",
		Created:  top.FormatTimestamp(t0.Add(time.Duration(tid) * time.Second)),
		Modified: top.FormatTimestamp(t0.Add(time.Duration(tid+int64(v)) * time.Second)),
		Note:     fmt.Sprintf("version %d of %d", v, tid),
	})
}

func sellerOf(tid int64) string { return fmt.Sprintf("seller%d", tid%3) }

func docOf(t testing.TB, tr trade) sellerdb.Doc {
	t.Helper()
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sellerdb.ParseDoc(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rows reads the whole table by tid.
func rows(t testing.TB, db *sellerdb.DB) map[int64]sellerdb.Row {
	t.Helper()
	out := map[int64]sellerdb.Row{}
	if err := db.Scan(t.Context(), func(r sellerdb.Row) error { out[r.Tid] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeClock is a fake clock at t0 + 1 day, after every version's modified.
func fakeClock() *clock.Fake { return clock.NewFake(t0.Add(24 * time.Hour)) }

func fakeClockAt(at time.Time) *clock.Fake { return clock.NewFake(at) }
