package push

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/push/socket"
)

type publishStats struct {
	published, routed, unrouted, rejected, failed atomic.Int64
}

func counterFunc(name, help string, f func() float64) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "toplab_push_" + name, Help: help}, f)
}

func gaugeFunc(name, help string, f func() float64) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "toplab_push_" + name, Help: help}, f)
}

func load(v *atomic.Int64) func() float64 { return func() float64 { return float64(v.Load()) } }

// collectors export the node's counters.
func (n *Node) collectors() []prometheus.Collector {
	h := n.hub.stats
	cs := []prometheus.Collector{
		counterFunc("published_total", "Messages accepted from producers.", load(&n.stats.published)),
		counterFunc("routed_total", "Deliveries stored (one per receiving app queue).", load(&n.stats.routed)),
		counterFunc("unrouted_total", "Published messages no app receives (no subscription or permit).", load(&n.stats.unrouted)),
		counterFunc("rejected_total", "Publishes refused (unknown topic, no producer right, bad content).", load(&n.stats.rejected)),
		counterFunc("publish_failed_total", "Publishes that could not be stored (owner down, store full).", load(&n.stats.failed)),
		counterFunc("pushed_total", "Data frames sent to clients.", load(&h.Pushed)),
		counterFunc("confirmed_total", "Messages confirmed by clients of this node.", load(&h.Confirmed)),
		counterFunc("confirms_unknown_total", "Confirms of ids not in the connection's window.", load(&h.ConfirmsUnknown)),
		counterFunc("redelivered_total", "Deliveries after the first (ack timeout or released).", load(&n.owner.Redelivered)),
		counterFunc("lease_expired_total", "Leases that reached the ack timeout unconfirmed.", load(&n.owner.Expired)),
		counterFunc("undelivered_total", "Messages that used up their attempts (kept until retention).", load(&n.owner.Undelivered)),
		counterFunc("handshakes_failed_total", "CONNECTs refused (sign, app, group, saturation).", load(&h.HandshakeFailed)),
		counterFunc("refused_saturated_total", "CONNECTs refused because the node was saturated.", load(&h.Refused)),
		counterFunc("bad_frames_total", "Frames answered with an error status.", load(&h.BadFrames)),
		counterFunc("notify_sent_total", "Notifications sent to other nodes.", load(&n.notifier.Sent)),
		counterFunc("notify_failed_total", "Notifications that failed (the holder's sweep catches up).", load(&n.notifier.Failed)),
		gaugeFunc("sessions", "Established client sessions.", load(&h.Sessions)),
		gaugeFunc("connections", "Open WebSocket connections.", func() float64 { return float64(n.sock.Conns()) }),
		gaugeFunc("inflight", "Leased, unconfirmed messages of the queues owned here.", func() float64 { return float64(n.owner.Inflight()) }),
	}
	for _, reason := range socket.Reasons() {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "toplab_push_socket_closed_total",
			Help: "WebSocket connections closed, by cause.", ConstLabels: prometheus.Labels{"reason": reason}},
			func() float64 { return float64(n.sock.ClosedBy(reason)) }))
	}
	return append(cs,
		gaugeFunc("feeder_cursor", "The change-log feeder's cursor (0 where no feeder runs).", func() float64 {
			if n.feeder == nil {
				return 0
			}
			return float64(n.feeder.Cursor.Load())
		}),
		counterFunc("feeder_published_total", "Order changes the feeder published.", func() float64 {
			if n.feeder == nil {
				return 0
			}
			return float64(n.feeder.Published.Load())
		}))
}
