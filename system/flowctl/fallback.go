package flowctl

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// fallback decides locally while Redis is unreachable, holding this node's
// share of every limit (limit / live nodes, rounded up). After a failed Redis
// call the limiter stays local for one retry interval, so an outage costs one
// timeout per interval, not one per call.
type fallback struct {
	local     *Local
	log       *slog.Logger
	retry     time.Duration
	downUntil atomic.Int64 // Unix ns; Redis is not tried before
	down      atomic.Bool  // for logging transitions only

	mu    sync.Mutex // guards rules and nodes, serialises SetRules of local
	rules *Rules
	nodes int
}

func newFallback(cfg LocalConfig, nodes int, retry time.Duration, log *slog.Logger) (*fallback, error) {
	rules := cfg.Rules
	cfg.Rules = rules.Share(nodes)
	local, err := NewLocal(cfg)
	if err != nil {
		return nil, err
	}
	return &fallback{local: local, log: log, retry: retry, rules: rules, nodes: nodes}, nil
}

// usable reports whether Redis may be tried at now.
func (f *fallback) usable(now int64) bool { return now >= f.downUntil.Load() }

// failed records a Redis failure at now: the next retry interval decides locally.
func (f *fallback) failed(err error, now int64, s *stats) {
	s.redisErrors.Add(1)
	f.downUntil.Store(now + int64(f.retry))
	if !f.down.CompareAndSwap(false, true) {
		f.log.Debug("flowctl: redis still unreachable", "err", err)
	} else {
		f.log.Warn("flowctl: redis unreachable, deciding locally with this node's share",
			"err", err, "nodes", f.nodeCount(), "retry", f.retry)
	}
}

// ok records a Redis success.
func (f *fallback) ok() {
	if f.down.Load() && f.down.CompareAndSwap(true, false) {
		f.log.Info("flowctl: redis reachable again")
	}
}

func (f *fallback) allow(ctx context.Context, k Key, s *stats) Decision {
	s.fallback.Add(1)
	return f.local.Allow(ctx, k)
}

func (f *fallback) nodeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes
}

// setRules installs the share of r for the known node count.
func (f *fallback) setRules(r *Rules) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.local.SetRules(r.Share(f.nodes)); err != nil {
		return err
	}
	f.rules = r
	return nil
}

// setNodes rescales the share when the live node count changes.
func (f *fallback) setNodes(n int) {
	n = max(n, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if n == f.nodes {
		return
	}
	f.nodes = n
	if err := f.local.SetRules(f.rules.Share(n)); err != nil {
		f.log.Error("flowctl: rescale fallback rules", "err", err) // unreachable: the rules were valid
	}
}
