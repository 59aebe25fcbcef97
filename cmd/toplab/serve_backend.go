package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/gateway"
)

func serveBackend(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve backend", "[flags]")
	var nf nodeFlags
	nf.register(fs, "127.0.0.1:8891")
	addr := fs.String("addr", "127.0.0.1:8801", "address of the services (/api/, /internal/, /healthz, /metrics)")
	data := fs.String("data", "toplab-data/backend", "folder of the trade centre's SQLite file")
	sellers := fs.Int("sellers", 10, "sellers seeded besides demo_seller (seller_0001 ...)")
	items := fs.Int("items-per-seller", 20, "items in each seeded seller's catalogue")
	seed := fs.Uint64("seed", 1, "seed of the catalogue and the latency draws")
	syncFull := fs.Bool("sync-full", false, "fsync every commit (durable across power loss, not just a crash)")
	var lat latencyFlags
	lat.register(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := checkLoopback("admin", nf.admin); err != nil {
		return err
	}
	log, err := nf.logger(env, "backend")
	if err != nil {
		return err
	}
	latency, err := lat.config()
	if err != nil {
		return err
	}
	node, err := backend.New(backend.Config{DataDir: *data, Sellers: *sellers, ItemsPerSeller: *items, Seed: *seed,
		SyncFull: *syncFull, Latency: latency, Logger: log})
	if err != nil {
		return err
	}
	defer node.Close()
	l, err := listen(*addr)
	if err != nil {
		return err
	}
	adminL, err := listen(nf.admin)
	if err != nil {
		l.Close()
		return err
	}
	admin := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: gateway.AdminHandler(gateway.AdminConfig{
		Gatherer: node.Gatherer(), Logger: log, // it has the Go and process collectors
		Health: func() error { return probeHandler(node.Handler(), "/healthz") },
	})}
	srv := &http.Server{Handler: node.Handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("backend serving", "addr", l.Addr().String(), "admin", adminL.Addr().String(), "data", node.DataDir())
	errc := make(chan error, 1)
	go func() { errc <- serveHTTP(ctx, admin, adminL, nf.drain) }()
	err = serveHTTP(ctx, srv, l, nf.drain)
	if aerr := <-errc; err == nil {
		err = aerr
	}
	node.Drain()
	log.Info("backend stopped", "err", err)
	return err
}

// probeHandler asks h for path in process and reports a non-200 answer.
func probeHandler(h http.Handler, path string) error {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", path, rec.Code, rec.Body.String())
	}
	return nil
}
