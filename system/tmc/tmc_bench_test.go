package tmc

import (
	"testing"
	"time"
)

// benchMessage is a typical data SEND: a trade message as the push server
// delivers it (content shaped as the reference describes).
var benchMessage = Message{
	ID:        7_000_000_123,
	Topic:     "taobao_trade_TradeBuyerPay",
	Content:   `{"tid":4012345678901234,"oid":4012345678901234,"seller_nick":"toplab_shop_0042","buyer_nick":"buyer_7731","payment":"128.50","type":"fixed","status":"WAIT_SELLER_SEND_GOODS"}`,
	PubTime:   time.UnixMilli(1762790400123),
	DataID:    4012345678901234,
	Publisher: "12497914",
	Nick:      "toplab_shop_0042",
	UserID:    42,
	OutTime:   time.UnixMilli(1762790400130),
}

func BenchmarkEncodeMessage(b *testing.B) {
	var f Frame
	buf := make([]byte, 0, 1024)
	benchMessage.FillFrame(&f)
	buf, _ = AppendFrame(buf, &f)
	size := int64(len(buf))
	b.Run("AppendFrame", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = AppendFrame(buf[:0], &f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FillFrame+AppendFrame", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			benchMessage.FillFrame(&f)
			var err error
			if buf, err = AppendFrame(buf[:0], &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeMessage(b *testing.B) {
	wire, err := AppendFrame(nil, benchMessage.ToFrame())
	if err != nil {
		b.Fatal(err)
	}
	var f Frame
	var m Message
	b.Run("Decode", func(b *testing.B) {
		b.SetBytes(int64(len(wire)))
		b.ReportAllocs()
		for b.Loop() {
			if err := f.Decode(wire, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decode+ReadFrame", func(b *testing.B) {
		b.SetBytes(int64(len(wire)))
		b.ReportAllocs()
		for b.Loop() {
			if err := f.Decode(wire, Limits{}); err != nil {
				b.Fatal(err)
			}
			if err := m.ReadFrame(&f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeFrame+MessageFromFrame", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fr, err := DecodeFrame(wire, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := MessageFromFrame(fr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyConnectSign(b *testing.B) {
	sign := ConnectSign("toplab-demo-secret", "12497914", DefaultGroup, 1762790400123)
	b.ReportAllocs()
	for b.Loop() {
		if !VerifyConnectSign("toplab-demo-secret", "12497914", DefaultGroup, 1762790400123, sign) {
			b.Fatal("sign did not verify")
		}
	}
}
