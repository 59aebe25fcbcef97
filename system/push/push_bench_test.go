package push

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// BenchmarkRedeliveryDelay measures, on the real clock, how long after the
// ack timeout an unconfirmed message reaches its client again (target:
// within the timeout plus 100 ms).
func BenchmarkRedeliveryDelay(b *testing.B) {
	const ackTimeout = 200 * time.Millisecond
	tc := newTestCluster(b, clock.Real{}, "push-0")
	n := tc.start("push-0", func(c *Config) { c.Delivery = DeliveryConfig{AckTimeout: ackTimeout} })
	c := dialWS(b, n)
	c.connect("a1", secretOf("a1"), "", time.Now())
	var over []time.Duration
	b.ResetTimer()
	for i := range b.N {
		n.Publish(context.Background(), []Message{msgFor("t2", "small", int64(i), tc.clock)})
		first := c.readMessage()
		sent := time.Now()
		again := c.readMessage()
		if again.ID != first.ID {
			b.Fatalf("expected a redelivery of %d, got %d", first.ID, again.ID)
		}
		over = append(over, time.Since(sent)-ackTimeout)
		c.confirm(again.ID)
		eventually(b, "the confirm", func() bool { return n.owner.Backlog("a1/default") == 0 })
	}
	b.StopTimer()
	slices.Sort(over)
	b.ReportMetric(float64(over[len(over)/2].Microseconds())/1e3, "ms-over-timeout-p50")
	b.ReportMetric(float64(over[len(over)-1].Microseconds())/1e3, "ms-over-timeout-max")
}

// BenchmarkDataFrame encodes one stored message as the client's data SEND:
// recycled (what the node does) against a fresh frame and buffer each time.
func BenchmarkDataFrame(b *testing.B) {
	m := Message{Topic: "taobao_trade_TradeCreate", Content: []byte(`{"tid":1234567890,"status":"WAIT_BUYER_PAY"}`),
		Nick: "seller_0001", Publisher: "producer-a", UserID: 7, DataID: 1234567890, PubTimeMs: 1700000000123}
	l := &Leased{ID: 42, Payload: appendPayload(nil, &m)}
	b.Run("recycled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x := dataFrames.Get().(*dataFrame)
			if _, err := x.encode(l, 1700000001000); err != nil {
				b.Fatal(err)
			}
			x.release()
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var dm Message
			if err := decodePayload(l.Payload, &dm); err != nil {
				b.Fatal(err)
			}
			if _, err := tmc.AppendFrame(nil, dm.toTMC(l.ID, 1700000001000).ToFrame()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
