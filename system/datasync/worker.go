package datasync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
)

// Config configures a sync worker. The zero value of every optional field
// means its default.
type Config struct {
	ID      string // required: the worker's name (heartbeats, logs, metrics)
	Cluster string // the logical cluster = the app's message group; default "default"

	// The sync app: it subscribes to the trade topics, and its sessions
	// authorise it for each seller.
	AppKey, Secret string
	// PushURLs are push nodes' TMC addresses; the worker keeps one client on
	// each, so losing a node loses no delivery path.
	PushURLs []string

	Directory Directory // required: the cluster's sellers and their sessions
	Fetcher   Fetcher   // required: e.g. GatewayFetcher
	Writer    Writer    // required: the cluster's database pool (*sellerdb.DB)

	// MergeWindow is how long the first message of an order waits for more
	// of the same order before it is fetched (default 100 ms; negative: no
	// wait): a burst of changes to one order costs one fetch and one write.
	MergeWindow time.Duration
	Batch       int // orders per fetch-and-write round, default 20 (one /router/batch request)
	Concurrency int // rounds in flight, default 4
	// MaxHeld bounds the messages received and not yet confirmed, default
	// 4000; beyond it the worker stops reading and the server holds them.
	MaxHeld int

	// Background runs beside the real-time path until ctx ends (the
	// reconciler, the cleanup job).
	Background []func(ctx context.Context)

	FreshnessLog io.Writer // JSON lines, one per synced change (optional)
	Clock        clock.Clock
	Logger       *slog.Logger
	// TMC tunes the clients (reconnect, heartbeat); URL, app, group and the
	// handler are set by the worker.
	TMC tmcclient.Config
}

// Worker is one sync worker of a logical cluster.
type Worker struct {
	cfg     Config
	stats   counters
	fresh   *freshnessLog
	merger  *merger
	pipe    *pipeline
	clients []*tmcclient.Client
	reg     *prometheus.Registry
}

// New checks cfg and builds a worker; Run starts it.
func New(cfg Config) (*Worker, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("datasync: a worker id is required")
	case cfg.AppKey == "" || cfg.Secret == "":
		return nil, errors.New("datasync: the sync app's key and secret are required")
	case len(cfg.PushURLs) == 0:
		return nil, errors.New("datasync: at least one push url is required")
	case cfg.Directory == nil || cfg.Fetcher == nil || cfg.Writer == nil:
		return nil, errors.New("datasync: a directory, a fetcher and a writer are required")
	case cfg.Batch < 0 || cfg.Concurrency < 0 || cfg.MaxHeld < 0:
		return nil, errors.New("datasync: batch, concurrency and max held must not be negative")
	}
	if cfg.Cluster == "" {
		cfg.Cluster = meta.DefaultGroup
	}
	switch {
	case cfg.MergeWindow < 0:
		cfg.MergeWindow = 0 // no waiting: only messages that meet in the queue merge
	case cfg.MergeWindow == 0:
		cfg.MergeWindow = 100 * time.Millisecond
	}
	cfg.Batch = positiveOr(cfg.Batch, 20)
	cfg.Concurrency = positiveOr(cfg.Concurrency, 4)
	cfg.MaxHeld = positiveOr(cfg.MaxHeld, 4000)
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{cfg: cfg, fresh: newFreshnessLog(cfg.ID, cfg.FreshnessLog), reg: prometheus.NewRegistry()}
	w.merger = newMerger(cfg.Clock, cfg.MergeWindow, cfg.Batch, func(n int) { w.stats.merged.Add(int64(n)) })
	w.pipe = newPipeline(w, cfg.Concurrency)
	for _, u := range cfg.PushURLs {
		tc := cfg.TMC
		tc.URL, tc.AppKey, tc.Secret, tc.Group = u, cfg.AppKey, cfg.Secret, cfg.Cluster
		tc.Handler, tc.Deliver = nil, w.receive
		tc.QueueSize = max(1, cfg.MaxHeld/len(cfg.PushURLs))
		tc.Workers = 1 // Deliver does not block: one worker hands messages to the merger
		if tc.Clock == nil {
			tc.Clock = cfg.Clock
		}
		if tc.Logger == nil {
			tc.Logger = cfg.Logger
		}
		c, err := tmcclient.New(tc)
		if err != nil {
			return nil, fmt.Errorf("datasync: push url %s: %w", u, err)
		}
		w.clients = append(w.clients, c)
	}
	w.stats.register(w.reg, cfg.ID, cfg.Cluster)
	w.reg.MustRegister(w.fresh.hist, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return w, nil
}

// tradeContent is the part of a trade message's content the worker reads.
type tradeContent struct {
	Tid        int64  `json:"tid"`
	SellerNick string `json:"seller_nick"`
}

// receive takes one message from a TMC client. Every message of an order
// (trade and refund topics alike: a refund changes the order too) names its
// tid; one without a tid is confirmed and counted, since it can never
// become a row and holding it would only bring it back.
func (w *Worker) receive(m *tmc.Message, done func(error)) {
	w.stats.messages.Add(1)
	var c tradeContent
	if json.Unmarshal([]byte(m.Content), &c) != nil || c.Tid <= 0 {
		w.stats.malformed.Add(1)
		w.cfg.Logger.Warn("sync: message without an order ignored", "id", m.ID, "topic", m.Topic)
		done(nil)
		return
	}
	seller := c.SellerNick
	if seller == "" {
		seller = m.Nick
	}
	w.merger.add(c.Tid, seller, held{done: done, changed: m.PubTime, topic: m.Topic})
}

// Run consumes, merges, fetches and writes until ctx ends, then waits for
// the rounds in flight; unconfirmed messages come back from the server.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, c := range w.clients {
		wg.Go(func() { _ = c.Run(ctx) })
	}
	for _, bg := range w.cfg.Background {
		wg.Go(func() { bg(ctx) })
	}
	wg.Go(func() {
		t := w.cfg.Clock.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C():
				w.fresh.flush()
			}
		}
	})
	w.merger.run(ctx, func(b []*pendingOrder) { w.pipe.submit(ctx, b) })
	w.pipe.wait()
	wg.Wait()
	w.fresh.flush()
	return ctx.Err()
}

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats { return w.stats.snapshot() }

// Connected reports how many of the push connections are up.
func (w *Worker) Connected() int {
	n := 0
	for _, c := range w.clients {
		if c.Connected() {
			n++
		}
	}
	return n
}

// Gatherer serves the worker's metrics.
func (w *Worker) Gatherer() prometheus.Gatherer { return w.reg }

// Health reports the worker ready once a push connection is up.
func (w *Worker) Health() error {
	if w.Connected() == 0 {
		return errors.New("no push connection")
	}
	return nil
}
