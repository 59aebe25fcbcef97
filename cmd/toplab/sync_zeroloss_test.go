package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/testenv"
)

// syncTestFlags make the sync react in test time: fast heartbeats and
// reconciliation, short redelivery.
var (
	syncTestFlags = []string{"-heartbeat", "1s", "-reconcile-interval", "2s", "-reconcile-overlap", "10s",
		"-reconcile-lag", "1s", "-reconcile-sweep-every", "2s", "-merge-window", "50ms", "-drain", "2s"}
	pushTestFlags = []string{"-ack-timeout", "1s", "-max-backoff", "2s", "-drain", "2s"}
)

// An order workload (creates, payments, shipments, refunds, closes, memo and
// fee edits: several changes per order, often within a second) runs while
// a sync worker is killed with SIGKILL and restarted, MariaDB is restarted,
// and old changes are published again (duplicates, out of order). After it
// settles, every order in the trade centre has its row, with the same
// status, modified and hash.
func TestSyncZeroLossUnderKillAndDatabaseRestart(t *testing.T) {
	bin := buildToplab(t)
	maria := testenv.MariaDB(t)
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "data")
	sys, err := startSyncSystem(ctx, bin, dir, upOptions{sellerDSN: maria.DSN, syncFlags: syncTestFlags, pushFlags: pushTestFlags})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.stop()

	gen, err := orders.New(orders.Config{URL: sys.backendURL, Sellers: demoSyncSellers(), HotSellers: 1, Open: 200,
		Pacer: vegeta.ConstantPacer{Freq: 120, Per: time.Second}, Duration: 20 * time.Second, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	genDone := make(chan orders.Stats, 1)
	go func() {
		st, err := gen.Run(ctx)
		if err != nil {
			t.Errorf("order generator: %v", err)
		}
		genDone <- st
	}()

	chaos := []struct {
		at   time.Duration
		what string
		do   func() error
	}{
		{4 * time.Second, "SIGKILL sync-1", func() error { return sys.sup.Node("sync-1").Kill() }},
		{7 * time.Second, "restart sync-1", func() error { return sys.sup.Node("sync-1").Start(ctx) }},
		{10 * time.Second, "restart MariaDB", func() error { return maria.Restart(ctx, 5*time.Second) }},
		{14 * time.Second, "republish old changes", func() error { return republish(ctx, sys, 300) }},
	}
	start := time.Now()
	for _, c := range chaos {
		time.Sleep(time.Until(start.Add(c.at)))
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), c.what)
	}
	st := <-genDone
	t.Logf("workload: %d actions, %d orders created, failed %d", st.Sent, st.Created(), st.Failed())

	db, err := sellerdb.Open(ctx, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: maria.DSN})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var rep zeroloss.OrderReport
	for {
		rep, err = zeroloss.CheckOrders(deadline, sys.backendURL, db, nil)
		if err == nil && rep.Pass() {
			break
		}
		select {
		case <-deadline.Done():
			t.Fatalf("orders never matched: %s %+v (err %v)", rep, rep.Diffs, err)
		case <-time.After(time.Second):
		}
	}
	counters, _ := sys.syncCounters(ctx, "toplab_sync_messages_total", "toplab_sync_orders_total", "toplab_sync_merged_total",
		"toplab_sync_reconcile_repaired_total", "toplab_sync_write_errors_total", "toplab_sync_db_retries_total")
	t.Logf("settled %.1fs after the start: %s; worker counters (since their last start) %v", time.Since(start).Seconds(), rep, counters)
	if rep.Orders < 500 {
		t.Fatalf("only %d orders: the workload did not run", rep.Orders)
	}
}

// republish publishes n random changes of the trade centre's log again, as
// the feeder would after a crash: duplicates of messages already handled,
// arriving after newer ones.
func republish(ctx context.Context, sys *syncSystem, n int) error {
	var page struct {
		Changes []backend.Change `json:"changes"`
	}
	res, err := http.Get(sys.backendURL + "/internal/changes?limit=1000&after=0")
	if err != nil {
		return err
	}
	err = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if err != nil {
		return err
	}
	var msgs []map[string]any
	for range n {
		ch := page.Changes[rand.IntN(len(page.Changes))]
		content, _ := json.Marshal(ch.Content)
		msgs = append(msgs, map[string]any{"topic": ch.Topic, "content": json.RawMessage(content), "nick": ch.Content.SellerNick,
			"data_id": ch.Content.Tid, "publisher": meta.TradeCentreApp, "pub_time_ms": ch.TimeMs})
	}
	body, _ := json.Marshal(map[string]any{"messages": msgs})
	res, err = http.Post("http://127.0.0.1:"+strconv.Itoa(sys.ports.pushInternal[0])+"/internal/publish", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return &httpStatusError{res.Status}
	}
	return nil
}

type httpStatusError struct{ status string }

func (e *httpStatusError) Error() string { return "publish: " + e.status }
