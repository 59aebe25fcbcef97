package datasync

import (
	"bufio"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// freshnessLog exports every synced change for the lab's reports: a
// histogram, and when a writer is configured one JSON line per change:
//
//	{"tid":1,"topic":"taobao_trade_TradeBuyerPay","changed_ms":...,"committed_ms":...,"worker":"sync-1"}
//
// Lines are buffered and flushed once a second and on close, so the log
// costs no syscall per change.
type freshnessLog struct {
	hist   prometheus.Histogram
	worker string

	mu  sync.Mutex
	out *bufio.Writer
	buf []byte
}

func newFreshnessLog(worker string, w io.Writer) *freshnessLog {
	f := &freshnessLog{
		worker: worker,
		hist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "toplab_sync_freshness_seconds",
			Help:    "Order change at the trade centre to the seller database row committed.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14), // 5 ms .. 41 s
		}),
	}
	if w != nil {
		f.out = bufio.NewWriterSize(w, 64<<10)
	}
	return f
}

func (f *freshnessLog) observe(tid int64, h held, committed time.Time) {
	d := freshness(h.changed, committed)
	f.hist.Observe(d.Seconds())
	if f.out == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := append(f.buf[:0], `{"tid":`...)
	b = strconv.AppendInt(b, tid, 10)
	b = append(b, `,"topic":`...)
	b = strconv.AppendQuote(b, h.topic)
	b = append(b, `,"changed_ms":`...)
	b = strconv.AppendInt(b, h.changed.UnixMilli(), 10)
	b = append(b, `,"committed_ms":`...)
	b = strconv.AppendInt(b, committed.UnixMilli(), 10)
	b = append(b, `,"worker":`...)
	b = strconv.AppendQuote(b, f.worker)
	b = append(b, "}\n"...)
	f.buf = b
	_, _ = f.out.Write(b) // a full disk loses report lines, never orders
}

func (f *freshnessLog) flush() {
	if f.out == nil {
		return
	}
	f.mu.Lock()
	_ = f.out.Flush()
	f.mu.Unlock()
}
