package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/testenv"
)

// syncBenchResult is one run of `toplab bench sync`.
type syncBenchResult struct {
	DB         string  `json:"db"`
	WriteMode  string  `json:"write_mode"`
	Rate       int     `json:"rate"`
	Duration   string  `json:"duration"`
	Actions    uint64  `json:"actions"`
	Changes    int64   `json:"changes"`       // order changes synced (freshness log lines)
	Orders     int64   `json:"orders_synced"` // order versions written by the workers
	OrdersPerS float64 `json:"orders_per_second"`
	P50Ms      float64 `json:"freshness_p50_ms"`
	P99Ms      float64 `json:"freshness_p99_ms"`
	MaxMs      float64 `json:"freshness_max_ms"`
	Diffs      int     `json:"order_differences"`
}

// runBenchSync drives the order lifecycle through the reference system and
// measures how fast orders reach the seller database and how fresh they
// are: order change at the trade centre -> row committed.
func runBenchSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench sync", "[flags]")
	dbKind := fs.String("db", "sqlite", "seller database: sqlite (the embedded default) or mariadb (a container; needs Docker)")
	rate := fs.Int("rate", 300, "order lifecycle actions per second (each is one order change)")
	dur := fs.Duration("duration", 15*time.Second, "time the workload runs")
	mode := fs.String("write-mode", sellerdb.ModeConditional, "conditional or select-update")
	workers := fs.Int("workers", 2, "sync workers")
	open := fs.Int("open", 200, "orders in progress at once (fewer: changes of one order come closer together)")
	out := fs.String("out", "", "write the result as JSON to this file")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *rate < 1 || *dur <= 0 || *workers < 1 || *workers > 8 || *open < 1 || (*dbKind != "sqlite" && *dbKind != "mariadb") {
		return usageError{"bad flags: -db sqlite|mariadb, rate >= 1, workers 1-8"}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "toplab-bench-sync-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o := upOptions{syncFlags: []string{"-write-mode", *mode, "-reconcile-interval", "1h", "-reconcile-sweep-every", "-1s", "-reconcile-horizon", "1m"}}
	for i := range *workers {
		o.workers = append(o.workers, syncWorker{fmt.Sprintf("sync-%d", i+1), "default"})
	}
	dbCfg := sellerdb.Config{DSN: filepath.Join(dir, "seller.db")}
	if *dbKind == "mariadb" {
		m, err := testenv.StartMariaDB(ctx, testenv.ContainerOptions{})
		if err != nil {
			return err
		}
		defer m.Terminate()
		o.sellerDSN = m.DSN
		dbCfg = sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: m.DSN}
	}
	fmt.Fprintf(env.stderr, "starting the system (%s, %d sync workers)...\n", *dbKind, *workers)
	sys, err := startSyncSystem(ctx, self, dir, o)
	if err != nil {
		return err
	}
	defer sys.stop()
	gen, err := orders.New(orders.Config{URL: sys.backendURL, Sellers: demoSyncSellers(), HotSellers: 1, Open: *open,
		Pacer: vegeta.ConstantPacer{Freq: *rate, Per: time.Second}, Duration: *dur, Seed: 7,
		Progress: func(p orders.Progress) { fmt.Fprintf(env.stderr, "\r%s   ", p) }})
	if err != nil {
		return err
	}
	started := time.Now()
	st, err := gen.Run(ctx)
	fmt.Fprintln(env.stderr)
	if err != nil {
		return err
	}
	settleCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := sys.settle(settleCtx, 2*time.Second); err != nil {
		return err
	}
	c, err := sys.syncCounters(ctx, "toplab_sync_orders_total")
	if err != nil {
		return err
	}
	hist, lines, lastCommit, err := readFreshness(dir)
	if err != nil {
		return err
	}
	db, err := sellerdb.Open(ctx, dbCfg)
	if err != nil {
		return err
	}
	rep, err := zeroloss.CheckOrders(ctx, sys.backendURL, db, nil)
	db.Close()
	if err != nil {
		return err
	}
	elapsed := lastCommit.Sub(started)
	res := syncBenchResult{DB: *dbKind, WriteMode: *mode, Rate: *rate, Duration: dur.String(), Actions: st.Sent, Changes: lines,
		Orders: int64(c["toplab_sync_orders_total"]), P50Ms: ms(hist.ValueAtQuantile(50)), P99Ms: ms(hist.ValueAtQuantile(99)),
		MaxMs: ms(hist.Max()), Diffs: rep.Differences + rep.Extra}
	if elapsed > 0 {
		res.OrdersPerS = float64(res.Orders) / elapsed.Seconds()
	}
	fmt.Fprintf(env.stdout, "sync into %s (%s, %d workers): %d actions at %d/s for %s\n", res.DB, res.WriteMode, *workers, res.Actions, res.Rate, res.Duration)
	fmt.Fprintf(env.stdout, "  changes synced %d, order versions written %d (%.0f/s), order differences after settling %d\n", res.Changes, res.Orders, res.OrdersPerS, res.Diffs)
	fmt.Fprintf(env.stdout, "  freshness (change -> row committed): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", res.P50Ms, res.P99Ms, res.MaxMs)
	if *out != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
	}
	if res.Diffs != 0 {
		return fmt.Errorf("%d orders differ after settling", res.Diffs)
	}
	return nil
}

func ms(us int64) float64 { return float64(us) / 1000 }

// readFreshness merges every sync worker's freshness log under dir into one
// histogram of microseconds, and returns the count and the last commit.
func readFreshness(dir string) (*hdrhistogram.Histogram, int64, time.Time, error) {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	var n int64
	var last time.Time
	files, err := eachFreshness(dir, func(changed, committed int64) {
		_ = h.RecordValue(max(1, (committed-changed)*1000))
		n++
		if t := time.UnixMilli(committed); t.After(last) {
			last = t
		}
	})
	if err == nil && files == 0 {
		err = fmt.Errorf("no freshness logs under %s", dir)
	}
	return h, n, last, err
}
