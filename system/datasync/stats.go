package datasync

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats are a worker's cumulative counters.
type Stats struct {
	Messages int64 `json:"messages"` // trade messages received
	Merged   int64 `json:"merged"`   // of them, folded into an order already waiting
	Batches  int64 `json:"batches"`  // fetch-and-write rounds
	Orders   int64 `json:"orders"`   // order versions written (one per merged group)
	Written  int64 `json:"written"`  // rows the writes changed
	Skipped  int64 `json:"skipped"`  // writes skipped: same version as last written
	Stale    int64 `json:"stale"`    // writes the modified guard refused: the row was as new

	UnknownSeller int64 `json:"unknown_seller"` // messages for sellers this cluster does not sync
	Gone          int64 `json:"gone"`           // orders the platform does not have (for that seller)
	Malformed     int64 `json:"malformed"`      // orders whose JSON could not be used
	FetchErrors   int64 `json:"fetch_errors"`
	WriteErrors   int64 `json:"write_errors"`
}

type counters struct {
	messages, merged, batches, orders, written, skipped, stale atomic.Int64
	unknownSeller, gone, malformed, fetchErrors, writeErrors   atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Messages: c.messages.Load(), Merged: c.merged.Load(), Batches: c.batches.Load(), Orders: c.orders.Load(),
		Written: c.written.Load(), Skipped: c.skipped.Load(), Stale: c.stale.Load(),
		UnknownSeller: c.unknownSeller.Load(), Gone: c.gone.Load(), Malformed: c.malformed.Load(),
		FetchErrors: c.fetchErrors.Load(), WriteErrors: c.writeErrors.Load(),
	}
}

// register exports the counters as toplab_sync_*_total.
func (c *counters) register(reg prometheus.Registerer, worker, cluster string) {
	labels := prometheus.Labels{"worker": worker, "cluster": cluster}
	for name, v := range map[string]*atomic.Int64{
		"messages": &c.messages, "merged": &c.merged, "batches": &c.batches, "orders": &c.orders,
		"written": &c.written, "skipped": &c.skipped, "stale": &c.stale, "unknown_seller": &c.unknownSeller,
		"gone": &c.gone, "malformed": &c.malformed, "fetch_errors": &c.fetchErrors, "write_errors": &c.writeErrors,
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "toplab_sync_" + name + "_total", Help: "Sync worker counter: " + name + ".", ConstLabels: labels,
		}, func() float64 { return float64(v.Load()) }))
	}
}
