package push

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
)

// Order changes in the trade centre reach a subscribed app's client as
// trade messages, and the feeder's cursor follows durably.
func TestFeederPublishesOrderChanges(t *testing.T) {
	be, err := backend.New(backend.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	srv := httptest.NewServer(be.Handler())
	t.Cleanup(srv.Close)

	tc := newTestCluster(t, clock.Real{}, "push-0")
	ctx := context.Background()
	for _, o := range []meta.Object{
		meta.Topic{Name: "taobao_trade_TradeCreate", Fields: map[string]int{"buyer_nick": 2}},
		meta.Producer{AppKey: meta.TradeCentreApp, Topics: []string{"taobao_trade_TradeCreate"}},
		meta.Subscription{AppKey: "a1", Topics: []string{"taobao_trade_TradeCreate"}, FieldLevel: 1},
		meta.TopicPermit{AppKey: "a1", Seller: "shop"},
	} {
		meta.Put(ctx, tc.store, o)
	}
	n := tc.start("push-0", func(c *Config) { c.Feeder = FeederConfig{TradeURL: srv.URL, Wait: 200 * time.Millisecond} })
	c := dialWS(t, n)
	c.connect("a1", secretOf("a1"), "", time.Now())

	v, err := be.Trades().Create(ctx, backend.NewTrade{SellerNick: "shop", BuyerNick: "buyer",
		Orders: []backend.NewOrder{{Title: "x", Price: 100, Num: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	m := c.readMessage()
	var content map[string]any
	json.Unmarshal([]byte(m.Content), &content)
	if m.Topic != "taobao_trade_TradeCreate" || m.Nick != "shop" || m.DataID != v.Trade.Tid || m.Publisher != meta.TradeCentreApp ||
		content["tid"] != float64(v.Trade.Tid) || content["buyer_nick"] != nil {
		t.Fatalf("message %+v content %v", m, content)
	}
	if m.PubTime.IsZero() || time.Since(m.PubTime) > time.Minute {
		t.Fatalf("publish time %v is not the change's time", m.PubTime)
	}
	eventually(t, "the cursor to be stored", func() bool {
		cur, err := meta.Get[meta.Cursor](ctx, tc.store, CursorName)
		return err == nil && cur.Seq == be.Trades().LastSeq()
	})
}
