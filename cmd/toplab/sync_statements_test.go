package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/testenv"
)

// comCounters reads the server's statement counters.
func comCounters(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select','Com_update','Com_insert','Com_delete')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(k, "Com_")] = v
	}
	return out
}

// statementRun is one write configuration's measurement.
type statementRun struct {
	name                      string
	selects, updates, inserts int64
	orders, messages, writes  int64
	merged, skipped           int64
}

func (r statementRun) total() int64 { return r.selects + r.updates + r.inserts }

// The same seeded order workload is synced into a MariaDB that nothing else
// uses, once per write configuration, and the server's own counters
// (SHOW GLOBAL STATUS Com_*) give the statements per synced order and per
// message: the old pattern (SELECT then write, one write per message),
// select-update with merging and skipping, and conditional (one guarded
// UPDATE, an insert only for a new order). Reconciliation is off while
// counting; every run must still end with the orders identical.
func TestSyncStatementsPerOrder(t *testing.T) {
	bin := buildToplab(t)
	maria := testenv.MariaDB(t)
	ctx := t.Context()
	admin, err := sql.Open("mysql", maria.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	configs := []struct{ name, flags string }{
		{"old pattern: select-update, no merge, no skip", "-write-mode select-update -merge-window 0 -write-cache 0"},
		{"select-update + merge + skip", "-write-mode select-update"},
		{"conditional + merge + skip", "-write-mode conditional"},
	}
	var runs []statementRun
	for i, c := range configs {
		flags := append(append([]string{}, syncTestFlags...), strings.Fields(c.flags)...)
		flags = append(flags, "-reconcile-interval", "1h", "-reconcile-sweep-every", "-1s", "-reconcile-horizon", "1m")
		if _, err := admin.Exec("DROP TABLE IF EXISTS jdp_tb_trade"); err != nil {
			t.Fatal(err)
		}
		sys, err := startSyncSystem(ctx, bin, filepath.Join(t.TempDir(), fmt.Sprint("data", i)),
			upOptions{sellerDSN: maria.DSN, syncFlags: flags, pushFlags: pushTestFlags})
		if err != nil {
			t.Fatal(err)
		}
		if err := sys.settle(ctx, time.Second); err != nil {
			t.Fatal(err)
		}
		before := comCounters(t, admin)
		gen, err := orders.New(orders.Config{URL: sys.backendURL, Sellers: demoSyncSellers(), HotSellers: 1, Open: 20,
			Pacer: vegeta.ConstantPacer{Freq: 150, Per: time.Second}, Duration: 8 * time.Second, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gen.Run(ctx); err != nil {
			t.Fatal(err)
		}
		settleCtx, cancel := context.WithTimeout(ctx, time.Minute)
		err = sys.settle(settleCtx, 3*time.Second)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		after := comCounters(t, admin)
		w, err := sys.syncCounters(ctx, "toplab_sync_messages_total", "toplab_sync_orders_total", "toplab_sync_merged_total",
			"toplab_sync_db_skipped_total")
		if err != nil {
			t.Fatal(err)
		}
		db, err := sellerdb.Open(ctx, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: maria.DSN})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := zeroloss.CheckOrders(ctx, sys.backendURL, db, nil)
		db.Close()
		sys.stop()
		if err != nil || !rep.Pass() {
			t.Fatalf("%s: orders differ: %s %+v %v", c.name, rep, rep.Diffs, err)
		}
		runs = append(runs, statementRun{name: c.name,
			selects: after["select"] - before["select"], updates: after["update"] - before["update"], inserts: after["insert"] - before["insert"],
			orders: int64(rep.Orders), messages: int64(w["toplab_sync_messages_total"]), writes: int64(w["toplab_sync_orders_total"]),
			merged: int64(w["toplab_sync_merged_total"]), skipped: int64(w["toplab_sync_db_skipped_total"])})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-46s %7s %7s %7s %7s %8s %8s %7s %7s %10s %10s\n", "write configuration", "SELECT", "UPDATE", "INSERT",
		"orders", "messages", "fetches", "merged", "skipped", "stmt/order", "stmt/msg")
	for _, r := range runs {
		fmt.Fprintf(&b, "%-46s %7d %7d %7d %7d %8d %8d %7d %7d %10.2f %10.2f\n", r.name, r.selects, r.updates, r.inserts,
			r.orders, r.messages, r.writes, r.merged, r.skipped, float64(r.total())/float64(r.orders), float64(r.total())/float64(r.messages))
	}
	old, cond := runs[0], runs[2]
	fmt.Fprintf(&b, "conditional + merge + skip uses %.0f%% fewer statements per order than the old pattern\n",
		100*(1-float64(cond.total())/float64(cond.orders)/(float64(old.total())/float64(old.orders))))
	t.Log(b.String())

	// What must hold by construction, whatever the machine's speed.
	if cond.selects != 0 {
		t.Errorf("conditional mode sent %d SELECTs", cond.selects)
	}
	for _, r := range runs[:2] {
		if r.selects < r.writes-r.skipped {
			t.Errorf("%s: %d SELECTs for %d writes sent", r.name, r.selects, r.writes-r.skipped)
		}
	}
	if per := func(r statementRun) float64 { return float64(r.total()) / float64(r.orders) }; per(cond) >= per(runs[1]) || per(runs[1]) >= per(old) {
		t.Errorf("statements per order do not fall: %.2f, %.2f, %.2f", per(old), per(runs[1]), per(cond))
	}
}
