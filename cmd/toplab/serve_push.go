package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/push"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/push/store"
)

// pushFlags are the message service's knobs.
type pushFlags struct {
	id, nodes, ws, internal, storeDir, trade, syncPolicy, routingLog string
	ackTimeout, maxBackoff, retention, hot, idle                     time.Duration
	maxAttempts, window, maxConns, gogc                              int
	segmentBytes, minFree, maxBytes                                  int64
}

func (f *pushFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.id, "id", "push-0", "this node's id")
	fs.StringVar(&f.nodes, "nodes", "", "every push node's id, comma-separated (app queues are hashed over them; default: -id alone)")
	fs.StringVar(&f.ws, "ws", "127.0.0.1:8810", "client WebSocket address (TMC)")
	fs.StringVar(&f.internal, "internal", "127.0.0.1:8812", "internal address: the node-to-node API and the TOP APIs the gateway routes here")
	fs.StringVar(&f.storeDir, "store-dir", "", "message store folder (default <data>/<id>/messages)")
	fs.StringVar(&f.trade, "trade", "http://127.0.0.1:8801", "trade centre whose change log this node feeds when it holds the feeder lease (\"\" for none)")
	fs.StringVar(&f.syncPolicy, "sync", "fsync", "store durability: fsync (group commit; survives power loss) or none (survives a process kill only)")
	fs.StringVar(&f.routingLog, "routing-log", "", "routing log file, one JSON line per message (default <store-dir>/../routing.log; \"off\" for none)")
	fs.DurationVar(&f.ackTimeout, "ack-timeout", 10*time.Second, "how long a pushed message waits for its confirm before it is sent again")
	fs.DurationVar(&f.maxBackoff, "max-backoff", 5*time.Minute, "longest pause between later redeliveries")
	fs.IntVar(&f.maxAttempts, "max-attempts", 12, "deliveries of a message before it is left undelivered until retention")
	fs.DurationVar(&f.retention, "retention", 72*time.Hour, "how long messages are kept")
	fs.DurationVar(&f.hot, "hot", 10*time.Second, "messages younger than this are served from the heap tier")
	fs.DurationVar(&f.idle, "idle-timeout", 135*time.Second, "close connections silent for this long (clients ping every 45 s)")
	fs.IntVar(&f.window, "window", 64, "messages in flight per connection")
	fs.IntVar(&f.maxConns, "max-conns", 200_000, "connections per node; more are refused with 503")
	fs.IntVar(&f.gogc, "gogc", 400, "the Go GC target percentage (GOGC); every message allocates, and the default 100 put GC pauses in the delivery tail")
	fs.Int64Var(&f.segmentBytes, "segment-bytes", 64<<20, "store segment size")
	fs.Int64Var(&f.minFree, "min-free", 64<<20, "refuse publishes when the disk has less free space")
	fs.Int64Var(&f.maxBytes, "max-store-bytes", 0, "refuse publishes when the store is this big (0: no cap)")
}

func (f *pushFlags) check() error {
	for _, a := range []struct{ name, addr string }{{"ws", f.ws}, {"internal", f.internal}} {
		if err := checkLoopback(a.name, a.addr); err != nil {
			return err
		}
	}
	if f.syncPolicy != "fsync" && f.syncPolicy != "none" {
		return usageError{fmt.Sprintf("bad -sync %q: fsync or none", f.syncPolicy)}
	}
	if f.ackTimeout <= 0 || f.maxBackoff <= 0 || f.retention <= 0 || f.hot <= 0 || f.idle <= 0 ||
		f.window <= 0 || f.maxConns <= 0 || f.maxAttempts <= 0 || f.gogc < 10 || f.segmentBytes < 1<<20 || f.minFree < 0 || f.maxBytes < 0 {
		return usageError{"durations and counts must be positive (segment-bytes at least 1 MiB)"}
	}
	return nil
}

func (f *pushFlags) nodeList() []string {
	if f.nodes == "" {
		return []string{f.id}
	}
	var out []string
	for _, n := range strings.Split(f.nodes, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func servePush(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve push", "[flags]")
	var nf nodeFlags
	var sf storeFlags
	var pf pushFlags
	nf.register(fs, "127.0.0.1:8892")
	sf.register(fs)
	pf.register(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := checkLoopback("admin", nf.admin); err != nil {
		return err
	}
	if err := pf.check(); err != nil {
		return err
	}
	log, err := nf.logger(env, pf.id)
	if err != nil {
		return err
	}
	debug.SetGCPercent(pf.gogc)
	metaStore, co, rc, closeStores, err := sf.open()
	if err != nil {
		return err
	}
	defer closeStores()
	cache, err := metacache.New(ctx, metacache.Config{Store: metaStore, Coord: co, Redis: rc, Logger: log})
	if err != nil {
		return err
	}
	defer cache.Close()
	storeDir := pf.storeDir
	if storeDir == "" {
		storeDir = filepath.Join(sf.dataDir, pf.id, "messages")
	}
	if err := os.MkdirAll(storeDir, 0o755); err != nil {
		return err
	}
	var routing *os.File
	switch pf.routingLog {
	case "off":
	default:
		path := pf.routingLog
		if path == "" {
			path = filepath.Join(filepath.Dir(storeDir), "routing.log")
		}
		if routing, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
		defer routing.Close()
	}
	internalL, err := listen(pf.internal)
	if err != nil {
		return err
	}
	adminL, err := listen(nf.admin)
	if err != nil {
		internalL.Close()
		return err
	}
	sync := store.SyncFsync
	if pf.syncPolicy == "none" {
		sync = store.SyncNone
	}
	cfg := push.Config{
		NodeID: pf.id, Nodes: pf.nodeList(), InternalURL: "http://" + internalL.Addr().String(), DataDir: storeDir,
		Cache: cache, Coord: co,
		Announce: func(ctx context.Context, k meta.Kind, id string) error {
			return metacache.Announce(ctx, co, rc, "", k, id)
		},
		Socket: socket.Config{Addr: pf.ws, MaxConns: pf.maxConns, IdleTimeout: pf.idle},
		Store: store.Config{Sync: sync, SegmentBytes: pf.segmentBytes, HotWindow: pf.hot, Retention: pf.retention,
			MinFreeBytes: pf.minFree, MaxBytes: pf.maxBytes},
		Delivery:    push.DeliveryConfig{AckTimeout: pf.ackTimeout, MaxBackoff: pf.maxBackoff, MaxAttempts: pf.maxAttempts},
		Feeder:      push.FeederConfig{TradeURL: pf.trade},
		Window:      pf.window,
		MaxSessions: pf.maxConns,
		Logger:      log,
	}
	if routing != nil {
		cfg.RoutingLog = routing
	}
	node, err := push.New(ctx, cfg)
	if err != nil {
		internalL.Close()
		adminL.Close()
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(cache.Stats().Collector()) // the node's gatherer has the Go and process collectors
	admin := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: gateway.AdminHandler(gateway.AdminConfig{
		Gatherer: prometheus.Gatherers{node.Gatherer(), reg}, Logger: log, Health: node.Health,
	})}
	srv := &http.Server{Handler: node.Handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("push serving", "ws", node.WSAddr().String(), "internal", internalL.Addr().String(), "admin", adminL.Addr().String(),
		"nodes", pf.nodeList(), "store", storeDir)
	errc := make(chan error, 1)
	go func() { errc <- serveHTTP(ctx, admin, adminL, nf.drain) }()
	// The internal API stays up while connections close, so their
	// unconfirmed messages can go back to their owners.
	serveErr := make(chan error, 1)
	go func() { serveErr <- serveHTTP(ctx, srv, internalL, nf.drain) }()
	<-ctx.Done()
	dctx, cancel := context.WithTimeout(context.Background(), nf.drain)
	defer cancel()
	err = node.Close(dctx)
	if e := <-serveErr; err == nil {
		err = e
	}
	if e := <-errc; err == nil {
		err = e
	}
	log.Info("push stopped", "err", err)
	return err
}
