package sdk

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/toplab/toplab/system/top"
)

const benchFields = "tid,status,type,seller_nick,buyer_nick,created,modified,payment,orders.oid,orders.title,orders.num,orders.price"

func benchClient(b *testing.B, url string, m top.SignMethod) *Client {
	c, err := New(Config{URL: url, AppKey: peerAppKey, Secret: peerSecret, SignMethod: m})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// Signing and encoding one call: what the client spends per request before
// the network.
func BenchmarkEncodeCall(b *testing.B) {
	api, _ := paramsOf(map[string]string{"fields": benchFields, "tid": "2026111100012345"})
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMAC, top.SignHMACSHA256} {
		b.Run(m.String(), func(b *testing.B) {
			c := benchClient(b, "http://127.0.0.1:1", m)
			b.ReportAllocs()
			for b.Loop() {
				if c.encodeCall("taobao.trade.fullinfo.get", "6100e23657fb0b2d0c78e", api) == "" {
					b.Fatal("empty form")
				}
			}
		})
	}
}

// Encoding and signing a batch of 20 calls (shared method and fields).
func BenchmarkEncodeBatch20(b *testing.B) {
	c := benchClient(b, "http://127.0.0.1:1", top.SignMD5)
	items := make([]batchItem, 20)
	pending := make([]int, 20)
	for i := range items {
		it, err := c.batchItemOf(BatchCall{Method: "taobao.trade.fullinfo.get", Session: "6100e23657fb0b2d0c78e",
			Params: map[string]string{"fields": benchFields, "tid": strconv.Itoa(2026111100012345 + i)}})
		if err != nil {
			b.Fatal(err)
		}
		items[i], pending[i] = it, i
	}
	b.ReportAllocs()
	for b.Loop() {
		body, session := c.encodeBatch(items, pending)
		if c.signBatchQuery(session, body) == "" {
			b.Fatal("empty query")
		}
	}
}

func BenchmarkDecodeResponse(b *testing.B) {
	trade := `{"trade":{"tid":2026111100012345,"status":"WAIT_SELLER_SEND_GOODS","type":"fixed","seller_nick":"shop","buyer_nick":"buyer",` +
		`"created":"2026-11-11 00:00:26","modified":"2026-11-11 00:00:31","payment":"199.00","orders":{"order":[` +
		`{"oid":1,"title":"item one","num":1,"price":"99.00"},{"oid":2,"title":"item two","num":2,"price":"50.00"}]}}}`
	body, err := top.AppendSuccess(nil, top.FormatJSON, false, "taobao.trade.fullinfo.get", []byte(trade), "rid-1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := decodeResponse(body, "taobao.trade.fullinfo.get", false); err != nil {
			b.Fatal(err)
		}
	}
}

// Concurrent callers over loopback against the protocol peer: one request
// per call, or merged by a Batcher. The peer shares the machine; compare the
// two as a ratio from the same run.
func BenchmarkLoopback(b *testing.B) {
	p := newPeer(b, func(peerCall) reply { return reply{result: `{"user":{"nick":"n"}}`} })
	c := benchClient(b, p.srv.URL, top.SignMD5)
	run := func(b *testing.B, call func(ctx context.Context, i int) error) {
		var n atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if err := call(ctx, int(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("call", func(b *testing.B) {
		run(b, func(ctx context.Context, i int) error {
			_, err := c.Call(ctx, "taobao.user.seller.get", map[string]string{"fields": "nick", "i": strconv.Itoa(i)}, "s")
			return err
		})
	})
	b.Run("batcher", func(b *testing.B) {
		bt := NewBatcher(c, 20, 0)
		defer bt.Close()
		run(b, func(ctx context.Context, i int) error {
			_, err := bt.Call(ctx, "taobao.user.seller.get", map[string]string{"fields": "nick", "i": strconv.Itoa(i)}, "s")
			return err
		})
	})
}
