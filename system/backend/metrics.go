package backend

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are one node's Prometheus collectors, on a registry of its own so
// two nodes in a process never share or collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec   // service, method, code
	duration *prometheus.HistogramVec // service, method
	changes  *prometheus.CounterVec   // topic
	lastSeq  prometheus.Gauge
	batch    prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "toplab_backend_requests_total",
			Help: "API calls served, by service, method and HTTP status.",
		}, []string{"service", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "toplab_backend_request_duration_seconds",
			Help:    "API call time including the modelled latency, by service and method.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 17), // 100us .. 6.5s
		}, []string{"service", "method"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "toplab_backend_trade_changes_total",
			Help: "Entries appended to the trade change log, by topic.",
		}, []string{"topic"}),
		lastSeq: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "toplab_backend_trade_change_seq",
			Help: "Sequence number of the last committed trade change.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "toplab_backend_trade_write_batch_size",
			Help:    "Order writes group-committed per SQLite transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 8), // 1 .. 128
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.changes, m.lastSeq, m.batch,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// methodMetrics are a method's collectors resolved once, so the hot path
// does no label lookups for the common outcome.
type methodMetrics struct {
	vec      *prometheus.CounterVec
	service  string
	method   string
	ok       prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) forMethod(service, method string) *methodMetrics {
	return &methodMetrics{
		vec:      m.requests,
		service:  service,
		method:   method,
		ok:       m.requests.WithLabelValues(service, method, "200"),
		duration: m.duration.WithLabelValues(service, method),
	}
}

func (mm *methodMetrics) count(status int) {
	if status == 200 {
		mm.ok.Inc()
		return
	}
	mm.vec.WithLabelValues(mm.service, mm.method, strconv.Itoa(status)).Inc()
}
