package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/toplab/toplab/system/datasync"
	"github.com/toplab/toplab/system/datasync/assign"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/sdk"
)

// syncFlags are `toplab serve sync`'s own flags.
type syncFlags struct {
	id, cluster, app, secret, gateway, push string
	mysql, sqlite, writeMode                string
	mergeWindow, heartbeat                  time.Duration
	batch, concurrency, maxHeld, writeCache int
	rcInterval, rcOverlap, rcLag, rcHorizon time.Duration
	rcSweepEvery                            time.Duration
	cleanupWindow                           string
	cleanupRetention                        time.Duration
	freshnessLog                            string
}

func (f *syncFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.id, "id", "sync-1", "this worker's id (heartbeats, metrics, logs)")
	fs.StringVar(&f.cluster, "cluster", meta.DefaultGroup, "logical cluster: the sync app's message group this worker consumes (hot sellers have their own)")
	fs.StringVar(&f.app, "app", meta.SyncAppKey, "the sync app's key")
	fs.StringVar(&f.secret, "secret", meta.SyncSecret, "the sync app's secret")
	fs.StringVar(&f.gateway, "gateway", "http://127.0.0.1:8800", "TOP gateway the orders are fetched through")
	fs.StringVar(&f.push, "push", "ws://127.0.0.1:8810/,ws://127.0.0.1:8811/", "push nodes' TMC addresses, comma-separated (one connection each)")
	fs.StringVar(&f.mysql, "mysql", os.Getenv("TOPLAB_SELLER_DSN"), "MySQL/MariaDB DSN of the seller database (default: the SQLite file -sqlite)")
	fs.StringVar(&f.sqlite, "sqlite", "", "SQLite file of the seller database (default <data>/seller.db)")
	fs.StringVar(&f.writeMode, "write-mode", sellerdb.ModeConditional, "conditional (one guarded UPDATE, insert if missing) or select-update (the old SELECT then write)")
	fs.DurationVar(&f.mergeWindow, "merge-window", 100*time.Millisecond, "how long an order's first message waits for more changes of it (0: no wait)")
	fs.IntVar(&f.writeCache, "write-cache", 100000, "orders remembered as last written, to skip unchanged writes (0: no skipping)")
	fs.IntVar(&f.batch, "batch", 20, "orders per fetch (/router/batch) and write transaction")
	fs.IntVar(&f.concurrency, "concurrency", 4, "fetch-and-write rounds in flight")
	fs.IntVar(&f.maxHeld, "max-held", 4000, "messages held unconfirmed; beyond it the worker stops reading")
	fs.DurationVar(&f.heartbeat, "heartbeat", 30*time.Second, "heartbeat interval; a dead worker's reconciliation tasks move within three")
	fs.DurationVar(&f.rcInterval, "reconcile-interval", time.Minute, "period of the reconciliation tail pass")
	fs.DurationVar(&f.rcOverlap, "reconcile-overlap", time.Minute, "how far each window reaches back before the checkpoint")
	fs.DurationVar(&f.rcLag, "reconcile-lag", 10*time.Second, "how far behind now the tail pass stops")
	fs.DurationVar(&f.rcHorizon, "reconcile-horizon", 7*24*time.Hour, "how far back the sweep re-verifies (and where a first run starts)")
	fs.DurationVar(&f.rcSweepEvery, "reconcile-sweep-every", time.Minute, "how often each owned seller takes a sweep step (negative: no sweep)")
	fs.StringVar(&f.cleanupWindow, "cleanup-window", "02:00-05:00", "off-peak window (GMT+8) of the cleanup of logically deleted rows")
	fs.DurationVar(&f.cleanupRetention, "cleanup-retention", 72*time.Hour, "how long a logically deleted row is kept")
	fs.StringVar(&f.freshnessLog, "freshness-log", "", "JSON lines, one per synced change (default <data>/<id>/freshness.log; \"off\" for none)")
}

func (f *syncFlags) pushURLs() []string {
	var out []string
	for _, u := range strings.Split(f.push, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

func (f *syncFlags) sellerDB(dataDir string) sellerdb.Config {
	cache := f.writeCache
	if cache == 0 {
		cache = -1 // sellerdb: negative disables the cache
	}
	if f.mysql != "" {
		return sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: f.mysql, WriteMode: f.writeMode, CacheSize: cache}
	}
	path := f.sqlite
	if path == "" {
		path = filepath.Join(dataDir, "seller.db")
	}
	return sellerdb.Config{Driver: sellerdb.DriverSQLite, DSN: path, WriteMode: f.writeMode, CacheSize: cache}
}

func serveSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve sync", "[flags]")
	var nf nodeFlags
	var sf storeFlags
	var yf syncFlags
	nf.register(fs, "127.0.0.1:8894")
	sf.register(fs)
	yf.register(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := checkLoopback("admin", nf.admin); err != nil {
		return err
	}
	if yf.writeMode != sellerdb.ModeConditional && yf.writeMode != sellerdb.ModeSelectUpdate {
		return usageError{fmt.Sprintf("bad -write-mode %q: conditional or select-update", yf.writeMode)}
	}
	if yf.mergeWindow < 0 || yf.writeCache < 0 || yf.heartbeat <= 0 || yf.batch <= 0 || yf.concurrency <= 0 || yf.maxHeld <= 0 ||
		yf.rcInterval <= 0 || yf.rcOverlap < time.Second || yf.rcLag < 0 || yf.rcHorizon <= 0 || yf.cleanupRetention <= 0 {
		return usageError{"durations and counts must be positive (reconcile-overlap at least 1s)"}
	}
	if len(yf.pushURLs()) == 0 {
		return usageError{"-push needs at least one ws:// address"}
	}
	log, err := nf.logger(env, yf.id)
	if err != nil {
		return err
	}
	metaStore, co, _, closeStores, err := sf.open()
	if err != nil {
		return err
	}
	defer closeStores()
	db, err := sellerdb.Open(ctx, yf.sellerDB(sf.dataDir))
	if err != nil {
		return fmt.Errorf("open the seller database: %w", err)
	}
	defer db.Close()
	client, err := sdk.New(sdk.Config{URL: yf.gateway, AppKey: yf.app, Secret: yf.secret})
	if err != nil {
		return usageError{err.Error()}
	}
	dir := &datasync.MetaDirectory{Store: metaStore, AppKey: yf.app, Cluster: yf.cluster}
	assigner, err := assign.New(assign.Config{Coord: co, ID: yf.id, Group: assign.DefaultGroup + "." + yf.cluster,
		Interval: yf.heartbeat, Logger: log})
	if err != nil {
		return usageError{err.Error()}
	}
	rc, err := reconcile.New(reconcile.Config{
		Platform: reconcile.SDKPlatform{Client: client, Sessions: dir}, Store: db,
		Checkpoints: reconcile.MetaCheckpoints{Store: metaStore}, Sellers: dir, Owner: assigner,
		Interval: yf.rcInterval, Overlap: yf.rcOverlap, Lag: yf.rcLag, Horizon: yf.rcHorizon, SweepEvery: yf.rcSweepEvery,
		CheckpointPrefix: "datasync." + yf.cluster, Logger: log,
	})
	if err != nil {
		return usageError{err.Error()}
	}
	cleanup, err := sellerdb.NewCleanupJob(db, sellerdb.CleanupConfig{Window: yf.cleanupWindow, Retention: yf.cleanupRetention,
		OnRun: func(r sellerdb.CleanupRun) {
			log.Info("sync: cleanup of deleted rows", "deleted", r.Deleted, "err", r.Err)
		}})
	if err != nil {
		return usageError{err.Error()}
	}
	var fresh *os.File
	if yf.freshnessLog != "off" {
		path := yf.freshnessLog
		if path == "" {
			path = filepath.Join(sf.dataDir, yf.id, "freshness.log")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if fresh, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
		defer fresh.Close()
	}
	cfg := datasync.Config{
		ID: yf.id, Cluster: yf.cluster, AppKey: yf.app, Secret: yf.secret, PushURLs: yf.pushURLs(),
		Directory: dir, Fetcher: datasync.GatewayFetcher{Client: client}, Writer: db,
		MergeWindow: mergeWindow(yf.mergeWindow), Batch: yf.batch, Concurrency: yf.concurrency, MaxHeld: yf.maxHeld,
		Background: []func(context.Context){
			func(ctx context.Context) { _ = assigner.Run(ctx) },
			func(ctx context.Context) { _ = rc.Run(ctx) },
			func(ctx context.Context) { _ = cleanup.Run(ctx) },
		},
		Logger: log,
	}
	if fresh != nil {
		cfg.FreshnessLog = fresh
	}
	w, err := datasync.New(cfg)
	if err != nil {
		return usageError{err.Error()}
	}
	w.Export("db", func() any { return db.Stats() })
	w.Export("reconcile", func() any { return rc.Stats() })
	adminL, err := listen(nf.admin)
	if err != nil {
		return err
	}
	admin := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: gateway.AdminHandler(gateway.AdminConfig{
		Gatherer: w.Gatherer(), Logger: log, Health: w.Health,
	})}
	log.Info("sync serving", "cluster", yf.cluster, "push", yf.pushURLs(), "gateway", yf.gateway, "admin", adminL.Addr().String(),
		"db", yf.sellerDB(sf.dataDir).Driver, "write_mode", yf.writeMode)
	errc := make(chan error, 1)
	go func() { errc <- serveHTTP(ctx, admin, adminL, nf.drain) }()
	runErr := w.Run(ctx)
	if e := <-errc; e != nil {
		return e
	}
	log.Info("sync stopped", "stats", w.Stats())
	if runErr == context.Canceled {
		return nil
	}
	return runErr
}

// mergeWindow maps the flag's 0 (no wait) to the worker's negative.
func mergeWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
