package main

import (
	"context"
	"net/http"
	"time"

	"github.com/toplab/toplab/system/backend"
)

func serveBackend(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve backend", "[flags]")
	var nf nodeFlags
	nf.register(fs, "")
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
	srv := &http.Server{Handler: node.Handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("backend serving", "addr", l.Addr().String(), "data", node.DataDir())
	err = serveHTTP(ctx, srv, l, nf.drain)
	node.Drain()
	log.Info("backend stopped", "err", err)
	return err
}
