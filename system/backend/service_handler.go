package backend

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/clock"
)

// ServiceHandler serves services under /api/{method} by the
// gateway-to-backend contract, for nodes other than this package's (the
// message service serves its TOP APIs with it). It has no latency model;
// the returned gatherer holds its request metrics.
func ServiceHandler(services []Service, c clock.Clock, log *slog.Logger) (http.Handler, prometheus.Gatherer, error) {
	cfg, err := Config{Clock: c, Logger: log}.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	m := newMetrics()
	api, err := newAPIHandler(&cfg, m, newDelayer(cfg.Clock, cfg.Seed), services...)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(APIPathPrefix+"{method}", api)
	return mux, m.registry, nil
}
