package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/push/store"
)

// Config configures a push node; zero values mean the defaults.
type Config struct {
	NodeID string   // required, e.g. push-0
	Nodes  []string // every push node's id (ownership is hashed over them); default just NodeID
	// InternalURL is how other nodes reach this node's Handler (its
	// internal API), e.g. http://127.0.0.1:8812.
	InternalURL string
	DataDir     string // the message store's folder (required)

	Cache *metacache.Cache // required: apps, permits, producers, topics, subscriptions
	Coord coord.Coord      // required: node list, the holder registry, the feeder lease
	// Announce tells every node's cache that a metadata object changed;
	// default metacache.Announce on Coord.
	Announce func(ctx context.Context, kind meta.Kind, id string) error

	Socket   socket.Config // the client WebSocket listener (Addr default 127.0.0.1:8810)
	Store    store.Config
	Delivery DeliveryConfig
	Feeder   FeederConfig

	Window        int // messages in flight per connection, default 64
	MaxSessions   int // established sessions per node, default 200,000
	RegistryEvery int // seconds between registry heartbeats, default 2

	RoutingLog io.Writer // one JSON line per routed message; nil = none
	Clock      clock.Clock
	Logger     *slog.Logger
}

// Node is one push node: the store and queues it owns, the client
// connections it holds, and its part of the notification network.
type Node struct {
	cfg       Config
	clock     clock.Clock
	log       *slog.Logger
	metaStore meta.Store
	router    *Router
	st        *store.Store
	owner     *Owner
	hub       *hub
	cluster   *cluster
	peers     *peerClient
	notifier  *notifier
	feeder    *feeder
	routeLog  *routingLog
	sock      *socket.Server
	handler   http.Handler
	gatherer  prometheus.Gatherers
	stats     publishStats

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  sync.Once
	closing atomic.Bool
}

// New opens the node's store (recovering it), starts its WebSocket
// listener and joins the cluster.
func New(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.NodeID == "" || cfg.DataDir == "" || cfg.Cache == nil || cfg.Coord == nil {
		return nil, errors.New("push: NodeID, DataDir, Cache and Coord are required")
	}
	if len(cfg.Nodes) == 0 {
		cfg.Nodes = []string{cfg.NodeID}
	}
	index := -1
	for i, id := range cfg.Nodes {
		if id == cfg.NodeID {
			index = i
		}
	}
	if index < 0 {
		return nil, fmt.Errorf("push: node %s is not in the node list %v", cfg.NodeID, cfg.Nodes)
	}
	if cfg.Window <= 0 {
		cfg.Window = 64
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 200_000
	}
	if cfg.RegistryEvery <= 0 {
		cfg.RegistryEvery = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Announce == nil {
		co := cfg.Coord
		cfg.Announce = func(ctx context.Context, kind meta.Kind, id string) error {
			return metacache.Announce(ctx, co, nil, "", kind, id)
		}
	}
	if cfg.Socket.Addr == "" {
		cfg.Socket.Addr = "127.0.0.1:8810"
	}
	cfg.Socket.Clock = cfg.Clock
	if cfg.Socket.Logger == nil {
		cfg.Socket.Logger = cfg.Logger
	}
	cfg.Store.Clock, cfg.Store.Logger = cfg.Clock, cfg.Logger
	cfg.Store.IDBase = int64(index+1) << 48 // ids unique across nodes

	n := &Node{cfg: cfg, clock: cfg.Clock, log: cfg.Logger, metaStore: cfg.Cache.Store()}
	var err error
	if n.router, err = NewRouter(ctx, cfg.Cache); err != nil {
		return nil, err
	}
	if n.st, err = store.Open(cfg.DataDir, cfg.Store); err != nil {
		return nil, fmt.Errorf("push: open store: %w", err)
	}
	boot := newToken()[:12]
	n.cluster = newCluster(cfg.NodeID, cfg.Nodes, nodeInfo{URL: cfg.InternalURL, Boot: boot}, cfg.Coord, cfg.Clock, cfg.Logger,
		secondsOf(cfg.RegistryEvery))
	n.peers = newPeerClient(n.cluster)
	n.notifier = newNotifier(n.peers, cfg.Logger)
	n.owner = NewOwner(n.st, cfg.Delivery, cfg.Clock, cfg.Logger, n.queueReady)
	n.hub = newHub(cfg.Clock, cfg.Logger, cfg.Window, n.source, n.held)
	if cfg.RoutingLog != nil {
		n.routeLog = newRoutingLog(cfg.RoutingLog, cfg.Clock)
	}
	api, apiMetrics, err := backend.ServiceHandler([]backend.Service{tmcAPI{n}}, cfg.Clock, cfg.Logger)
	if err != nil {
		n.closeStore()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(backend.APIPathPrefix, api)
	n.registerInternal(mux)
	n.handler = mux
	reg := prometheus.NewRegistry()
	reg.MustRegister(n.collectors()...)
	n.gatherer = prometheus.Gatherers{reg, apiMetrics}

	n.sock, err = socket.Listen(cfg.Socket, &connHandler{hub: n.hub, cache: cfg.Cache, router: n.router, maxSessions: cfg.MaxSessions})
	if err != nil {
		n.closeStore()
		return nil, fmt.Errorf("push: listen: %w", err)
	}
	n.cluster.info.WS = n.sock.Addr().String()
	if err := n.cluster.heartbeat(ctx); err != nil { // visible to the others before New returns
		n.sock.Shutdown(ctx)
		n.closeStore()
		return nil, err
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.cancel = cancel
	n.goRun(func() { n.cluster.run(runCtx, n.hub.queues) })
	done := runCtx.Done()
	n.goRun(func() { n.hub.runSweeper(secondsOf(1)/10, 50, done) })
	if n.routeLog != nil {
		n.goRun(func() { n.routeLog.run(done) })
	}
	if cfg.Feeder.TradeURL != "" {
		n.feeder = newFeeder(n, cfg.Feeder)
		n.goRun(func() { n.feeder.run(runCtx) })
	}
	// Messages recovered from the store wait for holders: tell the ones the
	// registry knows as soon as it is read.
	n.goRun(func() { n.announceBacklog(runCtx) })
	return n, nil
}

func (n *Node) goRun(f func()) {
	n.wg.Add(1)
	go func() { defer n.wg.Done(); f() }()
}

// announceBacklog notifies holders of every queue with stored messages once
// the registry has been read after start.
func (n *Node) announceBacklog(ctx context.Context) {
	if err := n.cluster.refreshHolders(ctx); err != nil {
		n.log.Warn("push: read holders", "err", err)
	}
	for _, q := range n.owner.Queues() {
		n.queueReady(q)
	}
}

// queueReady is the owner's notification: kick local holders, tell remote ones.
func (n *Node) queueReady(queue string) {
	n.hub.notify(queue)
	for _, node := range n.cluster.remoteHolders(queue) {
		n.notifier.enqueue(node, queue)
	}
}

// source is where this node leases queue's messages.
func (n *Node) source(queue string) source {
	owner := n.cluster.owner(queue)
	if owner == n.cfg.NodeID {
		return localSource{n.owner}
	}
	return remoteSource{p: n.peers, owner: owner}
}

// held is the hub telling that this node started or stopped holding queue.
func (n *Node) held(queue string, holding bool) {
	n.cluster.kick()
	owner := n.cluster.owner(queue)
	if !holding || owner == n.cfg.NodeID {
		return
	}
	// Tell the owner directly so notifications start now, not at the next
	// registry read.
	go func() {
		_, err := n.peers.invoke(context.Background(), owner, "Hold", &HoldArgs{Node: n.cfg.NodeID, Queues: []string{queue}})
		if err != nil {
			n.log.Debug("push: hold", "queue", queue, "owner", owner, "err", err)
		}
	}()
}

// Publish validates, routes and stores messages from a producer: it returns
// how many deliveries were stored, after they are durable at their owners.
func (n *Node) Publish(ctx context.Context, msgs []Message) (int, error) {
	for i := range msgs {
		if err := n.router.CheckPublish(ctx, &msgs[i]); err != nil {
			n.stats.rejected.Add(1)
			return 0, err
		}
	}
	return n.publishChecked(ctx, msgs)
}

// publishChecked routes messages that passed CheckPublish and stores the
// deliveries at their owners, concurrently.
func (n *Node) publishChecked(ctx context.Context, msgs []Message) (int, error) {
	byOwner := map[string][]Delivery{}
	total := 0
	for i := range msgs {
		ds, err := n.router.Route(ctx, &msgs[i])
		if err != nil {
			return 0, err
		}
		n.stats.published.Add(1)
		if len(ds) == 0 {
			n.stats.unrouted.Add(1)
		}
		if n.routeLog != nil {
			n.routeLog.add(&msgs[i], ds)
		}
		for _, d := range ds {
			o := n.cluster.owner(d.Queue)
			byOwner[o] = append(byOwner[o], d)
		}
		total += len(ds)
	}
	errs := make(chan error, len(byOwner))
	for owner, ds := range byOwner {
		go func() { errs <- n.appendAt(ctx, owner, ds) }()
	}
	var first error
	for range byOwner {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		n.stats.failed.Add(1)
		return 0, first
	}
	n.stats.routed.Add(int64(total))
	return total, nil
}

func (n *Node) appendAt(ctx context.Context, owner string, ds []Delivery) error {
	if owner == n.cfg.NodeID {
		if err := n.owner.Append(ctx, ds); err != nil {
			return storeError(err)
		}
		return nil
	}
	req := AppendArgs{Deliveries: make([]WireDelivery, len(ds))}
	for i := range ds {
		req.Deliveries[i] = WireDelivery{Queue: ds[i].Queue, Msg: toWire(&ds[i].Msg)}
	}
	_, err := n.peers.invoke(ctx, owner, "Append", &req)
	return err
}

func (n *Node) announce(ctx context.Context, kind meta.Kind, id string) error {
	return n.cfg.Announce(ctx, kind, id)
}

// Handler serves the internal API and the TOP APIs (for the gateway).
func (n *Node) Handler() http.Handler { return n.handler }

// Gatherer holds the node's metrics.
func (n *Node) Gatherer() prometheus.Gatherer { return n.gatherer }

// WSAddr is the client WebSocket listener's address.
func (n *Node) WSAddr() net.Addr { return n.sock.Addr() }

// Close stops accepting, closes every connection (their unconfirmed
// messages go back to their owners), leaves the cluster and closes the store.
func (n *Node) Close(ctx context.Context) error {
	var err error
	n.closed.Do(func() {
		n.closing.Store(true)
		err = n.sock.Shutdown(ctx)
		n.cluster.leave(ctx)
		n.cancel()
		n.wg.Wait()
		n.hub.pool.Stop()
		n.peers.rpc.closeAll()
		if n.routeLog != nil {
			n.routeLog.flush()
		}
		if e := n.closeStore(); err == nil {
			err = e
		}
	})
	return err
}

func (n *Node) closeStore() error {
	if n.owner != nil {
		n.owner.Close()
	}
	return n.st.Close()
}

// Health reports whether the node serves (it is not closing).
func (n *Node) Health() error {
	if n.closing.Load() {
		return errors.New("push: node is closing")
	}
	return nil
}
