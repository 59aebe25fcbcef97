package push

import (
	"bytes"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/tmc"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, m := range []Message{
		{},
		{Topic: "taobao_trade_TradeCreate", Content: []byte(`{"tid":1}`), Nick: "卖家", UserID: -5, DataID: 1 << 60, Publisher: "p", PubTimeMs: 1700000000123},
	} {
		b := appendPayload(nil, &m)
		var got Message
		if err := decodePayload(b, &got); err != nil {
			t.Fatalf("decode %+v: %v", m, err)
		}
		if got.Topic != m.Topic || !bytes.Equal(got.Content, m.Content) || got.Nick != m.Nick || got.UserID != m.UserID ||
			got.DataID != m.DataID || got.Publisher != m.Publisher || got.PubTimeMs != m.PubTimeMs {
			t.Fatalf("round trip: got %+v, want %+v", got, m)
		}
		// every truncation fails cleanly
		for i := range b {
			if err := decodePayload(b[:i], &got); err == nil {
				t.Fatalf("a payload cut at %d of %d decoded", i, len(b))
			}
		}
		if err := decodePayload(append(b, 0), &got); err == nil {
			t.Fatal("trailing bytes accepted")
		}
	}
}

func FuzzDecodePayload(f *testing.F) {
	f.Add(appendPayload(nil, &Message{Topic: "t", Content: []byte(`{}`), Nick: "n", PubTimeMs: 1}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if decodePayload(b, &m) != nil {
			return
		}
		again := appendPayload(nil, &m)
		var m2 Message
		if err := decodePayload(again, &m2); err != nil || !bytes.Equal(again, appendPayload(nil, &m2)) {
			t.Fatalf("a decoded payload does not round-trip: %v", err)
		}
	})
}

// A recycled data frame encodes each message exactly: nothing of a longer
// message encoded before it leaks into the next.
func TestDataFrameEncodingIsExactWhenRecycled(t *testing.T) {
	long := Message{Topic: "taobao_trade_TradeCreate", Content: []byte(strings.Repeat(`{"tid":1}`, 200)), Nick: "seller_0001",
		Publisher: "producer-a", UserID: 7, DataID: 42, PubTimeMs: 1700000000123}
	short := Message{Topic: "lab_Numbered", Content: []byte(`{"n":2}`), Nick: "s2", Publisher: "p", DataID: 2, PubTimeMs: 1700000000456}
	x := &dataFrame{}
	for i, m := range []Message{long, short, long} {
		b, err := x.encode(&Leased{ID: int64(100 + i), Payload: appendPayload(nil, &m)}, 1700000001000)
		if err != nil {
			t.Fatal(err)
		}
		f, err := tmc.DecodeFrame(b, tmc.Limits{})
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		got, err := tmc.MessageFromFrame(f)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if got.ID != int64(100+i) || got.Topic != m.Topic || got.Content != string(m.Content) || got.Nick != m.Nick || got.DataID != m.DataID {
			t.Fatalf("message %d decoded as %+v", i, got)
		}
	}
}
