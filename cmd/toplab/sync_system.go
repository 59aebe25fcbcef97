package main

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/testenv"
)

// syncSystem is the reference system (backend, two push nodes, gateway, sync
// workers) brought up from a data folder, for the sync's tests and
// benchmarks.
type syncSystem struct {
	sup        *testenv.Supervisor
	dir        string
	backendURL string
	ports      upPorts
}

// startSyncSystem seeds dir with the demo tenant and the sync app (objs
// added last, so they can override it) and starts the nodes.
func startSyncSystem(ctx context.Context, bin, dir string, o upOptions, objs ...meta.Object) (*syncSystem, error) {
	if err := seedDemo(ctx, dir); err != nil {
		return nil, err
	}
	if len(objs) > 0 {
		if err := seedObjects(ctx, dir, objs); err != nil {
			return nil, err
		}
	}
	ports, err := pickPorts("auto")
	if err != nil {
		return nil, err
	}
	ports.syncAdmin = [2]int{} // the supervisor picks them
	sup, err := testenv.NewSupervisor(upSpec(bin, dir, ports, o))
	if err != nil {
		return nil, err
	}
	if err := sup.Start(ctx); err != nil {
		sup.Stop(context.Background())
		return nil, err
	}
	return &syncSystem{sup: sup, dir: dir, ports: ports, backendURL: "http://127.0.0.1:" + strconv.Itoa(ports.backend)}, nil
}

func (s *syncSystem) stop() { s.sup.Stop(context.Background()) }

// syncCounters sums a counter of every sync worker's /metrics (e.g.
// "toplab_sync_orders_total"), by metric name.
func (s *syncSystem) syncCounters(ctx context.Context, names ...string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, n := range s.sup.Nodes() {
		if !strings.HasPrefix(n.Name(), "sync") {
			continue
		}
		m, err := scrapeMetrics(ctx, "http://"+n.Addr("admin"), names...)
		if err != nil {
			return nil, fmt.Errorf("%s metrics: %w", n.Name(), err)
		}
		for name, v := range m {
			out[name] += v
		}
	}
	return out, nil
}

// settle waits until the workers' order and message counters stop moving
// for quiet, or ctx ends.
func (s *syncSystem) settle(ctx context.Context, quiet time.Duration) error {
	var last map[string]float64
	stableSince := time.Now()
	for {
		c, err := s.syncCounters(ctx, "toplab_sync_messages_total", "toplab_sync_orders_total", "toplab_sync_batches_total")
		if err == nil && !maps.Equal(c, last) {
			last, stableSince = c, time.Now()
		}
		if time.Since(stableSince) >= quiet {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
