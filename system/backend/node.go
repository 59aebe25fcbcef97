package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Node is one backend process's worth of services on one http.Handler:
// the trade, item and user centres under /api/, the trade centre's internal
// API under /internal/, /healthz and /metrics. Nodes share nothing, so
// several can run in one process.
type Node struct {
	cfg     Config
	tmpDir  string // removed by Close when the node made it
	trades  *TradeCentre
	items   *ItemCentre
	users   *UserCentre
	metrics *metrics
	handler http.Handler

	drainOnce sync.Once
	closeOnce sync.Once
	closeErr  error
}

// New opens the trade store, seeds the catalogue and builds the handler.
func New(cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, metrics: newMetrics()}
	if cfg.DataDir == "" {
		if n.tmpDir, err = os.MkdirTemp("", "toplab-backend-*"); err != nil {
			return nil, fmt.Errorf("backend data dir: %w", err)
		}
		cfg.DataDir = n.tmpDir
	} else if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("backend data dir: %w", err)
	}
	store, err := openTradeStore(cfg.DataDir, cfg.ReadConns, cfg.WriteBatch, cfg.SyncFull)
	if err != nil {
		n.removeTmp()
		return nil, err
	}
	last, err := store.lastSeq(context.Background())
	if err != nil {
		store.close()
		n.removeTmp()
		return nil, fmt.Errorf("read change log: %w", err)
	}
	store.writes.onBatch = func(k int) { n.metrics.batch.Observe(float64(k)) }
	n.trades = &TradeCentre{
		store: store, clock: cfg.Clock, notify: newNotifier(last), metrics: n.metrics,
		drain: make(chan struct{}), maxWait: cfg.MaxChangeWait,
	}
	n.metrics.lastSeq.Set(float64(last))
	cat := seedCatalogue(cfg.Seed, cfg.Sellers, cfg.ItemsPerSeller)
	n.items = &ItemCentre{cat: cat}
	n.users = &UserCentre{cat: cat}
	api, err := newAPIHandler(&cfg, n.metrics, newDelayer(cfg.Clock, cfg.Seed),
		append([]Service{&tradeAPI{tc: n.trades}, n.items, n.users}, cfg.Services...)...)
	if err != nil {
		n.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(APIPathPrefix+"{method}", api)
	mux.HandleFunc("GET /healthz", n.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.registry, promhttp.HandlerOpts{}))
	(&tradeInternal{tc: n.trades, maxBody: cfg.MaxInternalBodyBytes, log: cfg.Logger}).register(mux)
	n.handler = mux
	return n, nil
}

// Handler serves the node's routes.
func (n *Node) Handler() http.Handler { return n.handler }

// Trades is the trade centre, for tests and the order lifecycle generator.
func (n *Node) Trades() *TradeCentre { return n.trades }

// Items is the item centre.
func (n *Node) Items() *ItemCentre { return n.items }

// Users is the user centre.
func (n *Node) Users() *UserCentre { return n.users }

// Gatherer exposes the node's metrics for in-process scraping.
func (n *Node) Gatherer() prometheus.Gatherer { return n.metrics.registry }

// DataDir is the folder of the node's SQLite file.
func (n *Node) DataDir() string {
	if n.tmpDir != "" {
		return n.tmpDir
	}
	return n.cfg.DataDir
}

// Drain ends the change-log long polls in flight and makes new ones return
// at once, so http.Server.Shutdown need not wait for them; register it with
// Server.RegisterOnShutdown.
func (n *Node) Drain() {
	n.drainOnce.Do(func() { close(n.trades.drain) })
}

// Close drains, closes the SQLite file (checkpointing its WAL) and removes
// a temporary data folder. Call it after the HTTP server has shut down.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.Drain()
		n.closeErr = n.trades.store.close()
		n.removeTmp()
	})
	return n.closeErr
}

func (n *Node) removeTmp() {
	if n.tmpDir != "" {
		n.closeErr = errors.Join(n.closeErr, os.RemoveAll(n.tmpDir))
	}
}

// healthz answers 200 while the trade store answers.
func (n *Node) healthz(w http.ResponseWriter, r *http.Request) {
	if err := n.trades.store.r.PingContext(r.Context()); err != nil {
		http.Error(w, "trade store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
