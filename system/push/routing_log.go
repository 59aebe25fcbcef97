package push

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// routingLog writes one JSON line per published message: what came in and
// which queues it was routed to. Lines are buffered and flushed every 200 ms,
// so logging costs the publish path a copy, not a write.
type routingLog struct {
	clock clock.Clock
	mu    sync.Mutex
	w     *bufio.Writer
	enc   *json.Encoder
}

type routingLine struct {
	TimeMs    int64    `json:"time_ms"`
	Topic     string   `json:"topic"`
	Nick      string   `json:"nick,omitempty"`
	DataID    int64    `json:"data_id,omitempty"`
	Publisher string   `json:"publisher"`
	PubTimeMs int64    `json:"pub_time_ms"`
	Queues    []string `json:"queues"`
}

func newRoutingLog(w io.Writer, c clock.Clock) *routingLog {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &routingLog{clock: c, w: bw, enc: json.NewEncoder(bw)}
}

func (l *routingLog) add(m *Message, ds []Delivery) {
	line := routingLine{TimeMs: l.clock.Now().UnixMilli(), Topic: m.Topic, Nick: m.Nick, DataID: m.DataID,
		Publisher: m.Publisher, PubTimeMs: m.PubTimeMs, Queues: make([]string, len(ds))}
	for i := range ds {
		line.Queues[i] = ds[i].Queue
	}
	l.mu.Lock()
	_ = l.enc.Encode(line)
	l.mu.Unlock()
}

func (l *routingLog) flush() {
	l.mu.Lock()
	_ = l.w.Flush()
	l.mu.Unlock()
}

func (l *routingLog) run(done <-chan struct{}) {
	t := l.clock.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C():
			l.flush()
		case <-done:
			return
		}
	}
}
