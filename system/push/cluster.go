package push

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
)

// Coordination groups of the push nodes.
const (
	groupNodes         = "push.nodes"
	groupHoldersPrefix = "push.holders." // + owner node id
)

// OwnerOf is the node that stores app's queues: the highest rendezvous hash
// over the configured nodes. Ownership never moves to another node while
// the owner is down: its queues wait, nothing is stored elsewhere.
func OwnerOf(nodes []string, app string) string {
	var best string
	var bestH uint64
	for _, n := range nodes {
		h := fnv.New64a()
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write([]byte(app))
		if v := h.Sum64(); best == "" || v > bestH {
			best, bestH = n, v
		}
	}
	return best
}

// appOf is the app of a queue name.
func appOf(queue string) string {
	app, _, _ := strings.Cut(queue, "/")
	return app
}

// nodeInfo is what a node publishes about itself.
type nodeInfo struct {
	URL  string `json:"url"`  // internal API
	WS   string `json:"ws"`   // client WebSocket address
	Boot string `json:"boot"` // changes on every start
}

// cluster is this node's view of the others: addresses, who holds which of
// this node's queues (the registry), and the registry entries it publishes.
type cluster struct {
	self  string
	nodes []string
	info  nodeInfo
	co    coord.Coord
	clock clock.Clock
	log   *slog.Logger
	ttl   time.Duration
	every time.Duration

	mu      sync.Mutex
	peers   map[string]nodeInfo
	holders map[string]map[string]time.Time // queue -> holder node -> expiry (remote holders of our queues)
	kicked  chan struct{}                   // a held queue changed: publish now
}

func newCluster(self string, nodes []string, info nodeInfo, co coord.Coord, c clock.Clock, log *slog.Logger, every time.Duration) *cluster {
	return &cluster{self: self, nodes: nodes, info: info, co: co, clock: c, log: log, every: every, ttl: 5 * every,
		peers: map[string]nodeInfo{}, holders: map[string]map[string]time.Time{}, kicked: make(chan struct{}, 1)}
}

// owner is the node that owns queue.
func (c *cluster) owner(queue string) string { return OwnerOf(c.nodes, appOf(queue)) }

// peer returns a node's published info.
func (c *cluster) peer(ctx context.Context, id string) (nodeInfo, error) {
	c.mu.Lock()
	p, ok := c.peers[id]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	if err := c.refreshPeers(ctx); err != nil {
		return nodeInfo{}, err
	}
	c.mu.Lock()
	p, ok = c.peers[id]
	c.mu.Unlock()
	if !ok {
		return nodeInfo{}, fmt.Errorf("push: node %s is down", id)
	}
	return p, nil
}

func (c *cluster) refreshPeers(ctx context.Context) error {
	ms, err := c.co.Members(ctx, groupNodes)
	if err != nil {
		return fmt.Errorf("push: read nodes: %w", err)
	}
	peers := make(map[string]nodeInfo, len(ms))
	for _, m := range ms {
		var ni nodeInfo
		if json.Unmarshal(m.Info, &ni) == nil {
			peers[m.ID] = ni
		}
	}
	c.mu.Lock()
	c.peers = peers
	c.mu.Unlock()
	return nil
}

// refreshHolders re-reads the registry entries for this node's queues.
func (c *cluster) refreshHolders(ctx context.Context) error {
	ms, err := c.co.Members(ctx, groupHoldersPrefix+c.self)
	if err != nil {
		return fmt.Errorf("push: read holders: %w", err)
	}
	holders := map[string]map[string]time.Time{}
	for _, m := range ms {
		var queues []string
		if json.Unmarshal(m.Info, &queues) != nil {
			continue
		}
		for _, q := range queues {
			if holders[q] == nil {
				holders[q] = map[string]time.Time{}
			}
			holders[q][m.ID] = m.Expires
		}
	}
	c.mu.Lock()
	// keep direct hold announcements newer than the registry read
	for q, hs := range c.holders {
		for n, exp := range hs {
			if _, ok := holders[q][n]; !ok && exp.After(c.clock.Now()) && n != c.self {
				if holders[q] == nil {
					holders[q] = map[string]time.Time{}
				}
				holders[q][n] = exp
			}
		}
	}
	c.holders = holders
	c.mu.Unlock()
	return nil
}

// hold records, from a direct announcement, that node holds queues.
func (c *cluster) hold(node string, queues []string) {
	exp := c.clock.Now().Add(c.ttl)
	c.mu.Lock()
	for _, q := range queues {
		if c.holders[q] == nil {
			c.holders[q] = map[string]time.Time{}
		}
		c.holders[q][node] = exp
	}
	c.mu.Unlock()
}

// remoteHolders returns the other nodes holding connections of queue.
func (c *cluster) remoteHolders(queue string) []string {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for n, exp := range c.holders[queue] {
		if n != c.self && exp.After(now) {
			out = append(out, n)
		}
	}
	return out
}

// publish heartbeats this node and its registry entries: for each owner,
// the list of that owner's queues held here.
func (c *cluster) publish(ctx context.Context, held []string, published map[string]bool) error {
	if err := c.heartbeat(ctx); err != nil {
		return err
	}
	byOwner := map[string][]string{}
	for _, q := range held {
		if o := c.owner(q); o != c.self {
			byOwner[o] = append(byOwner[o], q)
		}
	}
	for _, o := range c.nodes {
		qs := byOwner[o]
		switch {
		case len(qs) > 0:
			slices.Sort(qs)
			b, _ := json.Marshal(qs)
			if err := c.co.Heartbeat(ctx, groupHoldersPrefix+o, c.self, b, c.ttl); err != nil {
				return fmt.Errorf("push: registry: %w", err)
			}
			published[o] = true
		case published[o]:
			if err := c.co.Leave(ctx, groupHoldersPrefix+o, c.self); err != nil {
				return fmt.Errorf("push: registry: %w", err)
			}
			delete(published, o)
		}
	}
	return nil
}

// heartbeat marks this node alive with its addresses.
func (c *cluster) heartbeat(ctx context.Context) error {
	info, _ := json.Marshal(c.info)
	if err := c.co.Heartbeat(ctx, groupNodes, c.self, info, c.ttl); err != nil {
		return fmt.Errorf("push: heartbeat: %w", err)
	}
	return nil
}

// leave removes this node from the node list and the registry.
func (c *cluster) leave(ctx context.Context) {
	for _, o := range c.nodes {
		_ = c.co.Leave(ctx, groupHoldersPrefix+o, c.self)
	}
	_ = c.co.Leave(ctx, groupNodes, c.self)
}

// kick asks the loop to publish the registry now.
func (c *cluster) kick() {
	select {
	case c.kicked <- struct{}{}:
	default:
	}
}

// run heartbeats, publishes the registry and re-reads peers and holders
// every interval (at once after a kick) until ctx ends.
func (c *cluster) run(ctx context.Context, held func() []string) {
	published := map[string]bool{}
	t := c.clock.NewTicker(c.every)
	defer t.Stop()
	for {
		if err := c.publish(ctx, held(), published); err != nil && ctx.Err() == nil {
			c.log.Warn("push: coordination", "err", err)
		}
		if err := c.refreshPeers(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("push: coordination", "err", err)
		}
		if err := c.refreshHolders(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("push: coordination", "err", err)
		}
		select {
		case <-t.C():
		case <-c.kicked:
		case <-ctx.Done():
			return
		}
	}
}
