package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	calls           [64]prometheus.Counter // by TOP code; 0 is success
	callsOther      prometheus.Counter
	stageSeconds    *prometheus.HistogramVec
	backendInflight *prometheus.GaugeVec
	batchItems      prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	callsVec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "toplab_gateway_calls_total", Help: "API calls (batch items included) by TOP error code; 0 is success.",
	}, []string{"code"})
	m := &metrics{
		callsOther: callsVec.WithLabelValues("other"),
		stageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "toplab_gateway_stage_seconds", Help: "Latency of each pipeline stage (a sample of calls).",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 12),
		}, []string{"stage"}),
		backendInflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "toplab_gateway_backend_inflight", Help: "Calls in flight to each backend.",
		}, []string{"backend"}),
		batchItems: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "toplab_gateway_batch_items", Help: "Items per batch request.", Buckets: []float64{1, 2, 5, 10, 20, 50},
		}),
	}
	// Counters resolved up front: the hot path does no label lookups.
	for code := range m.calls {
		m.calls[code] = callsVec.WithLabelValues(strconv.Itoa(code))
	}
	if reg != nil {
		reg.MustRegister(callsVec, m.stageSeconds, m.backendInflight, m.batchItems)
	}
	return m
}

func (m *metrics) countCall(code int) {
	if code >= 0 && code < len(m.calls) {
		m.calls[code].Inc()
		return
	}
	m.callsOther.Inc()
}

// requestIDs makes unique request ids: a random node prefix and a counter.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [4]byte
	rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:])}
}

func (r *requestIDs) next() string {
	var buf [32]byte
	out := append(buf[:0], r.prefix...)
	out = append(out, '-')
	return string(strconv.AppendUint(out, r.n.Add(1), 36))
}
