package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// storeFlags choose where metadata and coordination live: SQLite files
// shared by local processes (the embedded default), or MySQL and Redis.
type storeFlags struct {
	dataDir string
	metaDSN string
	redis   string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data", "toplab-data", "folder of the shared SQLite files (meta.db, coord.db)")
	fs.StringVar(&f.metaDSN, "meta-dsn", os.Getenv("TOPLAB_META_DSN"), "MySQL/MariaDB DSN of the metadata store (default: SQLite in -data)")
	fs.StringVar(&f.redis, "redis", os.Getenv("TOPLAB_REDIS"), "Redis address: coordination, distributed cache level and cluster flow control (default: SQLite coordination in -data)")
}

// open returns the metadata store, the coordination layer and the Redis
// client (nil in the embedded default), and a func that closes them.
func (f *storeFlags) open() (meta.Store, coord.Coord, rueidis.Client, func(), error) {
	if err := os.MkdirAll(f.dataDir, 0o755); err != nil {
		return nil, nil, nil, nil, err
	}
	var store meta.Store
	var err error
	if f.metaDSN != "" {
		store, err = meta.OpenMySQL(f.metaDSN, nil)
	} else {
		store, err = meta.OpenSQLite(filepath.Join(f.dataDir, "meta.db"), nil)
	}
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("open metadata store: %w", err)
	}
	if f.redis != "" {
		rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{f.redis}, DisableCache: true})
		if err != nil {
			store.Close()
			return nil, nil, nil, nil, fmt.Errorf("connect redis %s: %w", f.redis, err)
		}
		co := coord.NewRedis(rc, coord.RedisOptions{})
		return store, co, rc, func() { co.Close(); rc.Close(); store.Close() }, nil
	}
	co, err := coord.OpenSQLite(filepath.Join(f.dataDir, "coord.db"), coord.SQLiteOptions{})
	if err != nil {
		store.Close()
		return nil, nil, nil, nil, fmt.Errorf("open coordination file: %w", err)
	}
	return store, co, nil, func() { co.Close(); store.Close() }, nil
}

func serveGateway(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve gateway", "[flags]")
	var nf nodeFlags
	var sf storeFlags
	nf.register(fs, "127.0.0.1:8890")
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8800", "API address")
	var backends multiFlag
	fs.Var(&backends, "backend", "backend route as name=url[,url...] (repeatable; several urls are replicas of one service; default trade, item and user at http://127.0.0.1:8801, tmc at http://127.0.0.1:8812)")
	maxBody := fs.Int64("max-body", 1<<20, "largest request body in bytes")
	maxItems := fs.Int("max-batch-items", 50, "most items in one batch")
	timeout := fs.Duration("timeout", 3*time.Second, "backend call timeout for APIs that set none")
	limiter := fs.String("limiter", "local", "flow control: local (this node's counters), exact or leased (cluster-wide through -redis), off")
	zone := fs.String("zone", "Asia/Shanghai", "time zone where daily quotas roll over")
	front := fs.String("http", "fasthttp", "HTTP front: fasthttp (production) or nethttp (net/http, for comparison)")
	readTimeout := fs.Duration("read-timeout", 10*time.Second, "longest time to read one request (slow clients are cut off)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := checkLoopback("admin", nf.admin); err != nil {
		return err
	}
	if *front != "fasthttp" && *front != "nethttp" {
		return usageError{fmt.Sprintf("bad -http %q: fasthttp or nethttp", *front)}
	}
	routes, err := parseBackends(backends)
	if err != nil {
		return err
	}
	log, err := nf.logger(env, "gateway")
	if err != nil {
		return err
	}
	store, co, rc, closeStores, err := sf.open()
	if err != nil {
		return err
	}
	defer closeStores()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cache, err := metacache.New(ctx, metacache.Config{Store: store, Coord: co, Redis: rc, Logger: log})
	if err != nil {
		return err
	}
	defer cache.Close()
	reg.MustRegister(cache.Stats().Collector())
	lim, closeLimiter, err := newFlowLimiter(*limiter, *zone, rc, cache, reg, log)
	if err != nil {
		return err
	}
	defer closeLimiter()
	gw, err := gateway.New(gateway.Config{
		Metadata: cache, Limiter: lim, Backends: routes, Logger: log, Registry: reg,
		MaxBodyBytes: *maxBody, MaxBatchItems: *maxItems, DefaultTimeout: *timeout,
	})
	if err != nil {
		return err
	}
	apiL, err := listen(*addr)
	if err != nil {
		return err
	}
	adminL, err := listen(nf.admin)
	if err != nil {
		apiL.Close()
		return err
	}
	admin := &http.Server{Handler: gateway.AdminHandler(gateway.AdminConfig{
		Store: store, Gatherer: reg, Logger: log,
		Announce: func(ctx context.Context, k meta.Kind, id string) error {
			return metacache.Announce(ctx, co, rc, "", k, id)
		},
	}), ReadHeaderTimeout: 5 * time.Second}
	log.Info("gateway serving", "addr", apiL.Addr().String(), "admin", adminL.Addr().String(), "http", *front, "backends", backends.String())
	errc := make(chan error, 2)
	go func() {
		if *front == "nethttp" {
			srv := gw.Server(*addr)
			srv.ReadHeaderTimeout = min(srv.ReadHeaderTimeout, *readTimeout)
			srv.ReadTimeout = *readTimeout
			errc <- serveHTTP(ctx, srv, apiL, nf.drain)
			return
		}
		errc <- gw.ServeFast(ctx, apiL, *readTimeout, nf.drain)
	}()
	go func() { errc <- serveHTTP(ctx, admin, adminL, nf.drain) }()
	err = <-errc
	if err2 := <-errc; err == nil {
		err = err2
	}
	log.Info("gateway stopped", "err", err)
	return err
}

// parseBackends reads name=url routes; none means the reference backend node.
func parseBackends(specs []string) (map[string]gateway.BackendConfig, error) {
	if len(specs) == 0 {
		specs = []string{meta.BackendTrade + "=http://127.0.0.1:8801", meta.BackendItem + "=http://127.0.0.1:8801", meta.BackendUser + "=http://127.0.0.1:8801",
			meta.BackendTMC + "=http://127.0.0.1:8812"}
	}
	out := map[string]gateway.BackendConfig{}
	for _, s := range specs {
		name, list, ok := strings.Cut(s, "=")
		urls := strings.Split(list, ",")
		if !ok || name == "" || slices.Contains(urls, "") {
			return nil, usageError{fmt.Sprintf("bad -backend %q: want name=url[,url...]", s)}
		}
		if _, dup := out[name]; dup {
			return nil, usageError{fmt.Sprintf("bad -backend %q: %s is routed twice (list its replicas in one flag)", s, name)}
		}
		out[name] = gateway.BackendConfig{URL: urls[0], Replicas: urls[1:]}
	}
	return out, nil
}
