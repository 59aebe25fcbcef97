package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/toplab/toplab/scenarios"
)

// roleWork names each role's counter of work done, as the report's node
// table shows it.
var roleWork = map[string]struct{ metric, unit string }{
	scenarios.RoleGateway: {"toplab_gateway_calls_total", "calls"},
	scenarios.RoleBackend: {"toplab_backend_requests_total", "requests"},
	scenarios.RolePush:    {"toplab_push_pushed_total", "frames pushed"},
	scenarios.RoleSync:    {"toplab_sync_messages_total", "messages"},
}

// nodeWork reads the work counter of a node's role from its /metrics.
func nodeWork(ctx context.Context, adminAddr, role string) (float64, error) {
	w, ok := roleWork[role]
	if !ok {
		return 0, fmt.Errorf("no work counter for role %s", role)
	}
	return scrapeMetric(ctx, "http://"+adminAddr, w.metric)
}

// scrapeMetric reads a counter or gauge from a node's /metrics (admin is
// its base URL): the sum over the metric's labels.
func scrapeMetric(ctx context.Context, admin, metric string) (float64, error) {
	m, err := scrapeMetrics(ctx, admin, metric)
	if err != nil {
		return 0, err
	}
	v, ok := m[metric]
	if !ok {
		return 0, fmt.Errorf("%s/metrics has no %s", admin, metric)
	}
	return v, nil
}

// scrapeMetrics reads a node's /metrics once and sums each named counter or
// gauge over its labels; a name the node does not export is left out.
func scrapeMetrics(ctx context.Context, admin string, names ...string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, admin+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/metrics: HTTP %d", admin, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s/metrics: %w", admin, err)
	}
	out := make(map[string]float64, len(names))
	for _, name := range names {
		f, ok := families[name]
		if !ok {
			continue
		}
		var sum float64
		for _, m := range f.GetMetric() {
			switch {
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Untyped != nil:
				sum += m.GetUntyped().GetValue()
			}
		}
		out[name] = sum
	}
	return out, nil
}
