package tmcclient

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/tmc"
)

// benchContent is a trade message's usual content.
const benchContent = `{"buyer_nick":"tb_buyer_01","payment":"199.00","oid":4281337001,"seller_nick":"flagship_store","status":"WAIT_SELLER_SEND_GOODS","tid":4281337001,"type":"fixed"}`

// BenchmarkThroughput pushes b.N messages from the in-test server through one
// client (real WebSocket on loopback) and stops when the server has all b.N
// confirms: decode, dedupe, queue, handler, confirm, and the server's own
// encode and decode, all on the same two cores.
func BenchmarkThroughput(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := newPeer(b)
			var confirms atomic.Int64
			all := make(chan struct{})
			target := int64(b.N)
			p.onFrame = func(_ *peerConn, f *tmc.Frame) {
				if k, _ := tmc.KindOf(f); k == tmc.KindConfirm && confirms.Add(1) == target {
					close(all)
				}
			}
			c := newTestClient(b, p, nil, func(cfg *Config) { cfg.Workers = workers })
			start(b, c)
			pc := p.next(b)
			eventually(b, "connected", c.Connected)
			m := &tmc.Message{Topic: "taobao_trade_TradeBuyerPay", Content: benchContent, PubTime: time.UnixMilli(1762790400000), Nick: "flagship_store", Publisher: "4272"}

			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				m.ID, m.DataID = int64(i+1), int64(4281337000+i)
				if err := pc.send(m); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-all:
			case <-time.After(safety):
				b.Fatalf("%d of %d confirms", confirms.Load(), b.N)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if s := c.Stats(); s.Handled != uint64(b.N) || s.Duplicates != 0 {
				b.Fatalf("stats %+v", s)
			}
		})
	}
}

// BenchmarkDispatch is the client's own cost per message, without sockets:
// decode a data frame, dedupe its id, queue it.
func BenchmarkDispatch(b *testing.B) {
	c, err := New(Config{URL: "ws://127.0.0.1:1/", AppKey: "k", Secret: "s", Handler: func(context.Context, *tmc.Message) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	m := &tmc.Message{ID: 1, Topic: "taobao_trade_TradeBuyerPay", Content: benchContent, PubTime: time.UnixMilli(1762790400000), DataID: 4281337001, Nick: "flagship_store", Publisher: "4272"}
	frame, err := tmc.AppendFrame(nil, m.ToFrame())
	if err != nil {
		b.Fatal(err)
	}
	s := &session{c: c, done: make(chan struct{})}
	var f tmc.Frame
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := c.dispatch(&f, frame, s); err != nil {
			b.Fatal(err)
		}
		<-c.queues[0]
		c.dedupe.abandon(1) // the same id again next time: fresh, not a duplicate
	}
}
