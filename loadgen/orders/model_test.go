package orders

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/toplab/toplab/system/backend"
)

// The model agrees with the real trade centre: random walks of events
// (allowed or not) against both, compared step by step: the trade centre
// refuses exactly what the model refuses, and reaches the model's status.
func TestModelAgreesWithTheTradeCentre(t *testing.T) {
	n, _ := startNode(t, nil)
	tc := n.Trades()
	ctx := context.Background()
	events := []backend.Event{
		{Kind: backend.EventPay}, {Kind: backend.EventPartlyShip}, {Kind: backend.EventShip}, {Kind: backend.EventConfirm},
		{Kind: backend.EventClose}, {Kind: backend.EventRefundCreate}, {Kind: backend.EventRefundSuccess},
		{Kind: backend.EventRefundClose}, {Kind: backend.EventModifyFee, PostFee: new(backend.Money)},
		{Kind: backend.EventMemo, Memo: new(string)}, {Kind: backend.EventRate, Rater: "buyer"}, {Kind: backend.EventRate, Rater: "seller"},
		{Kind: backend.EventAddressChange, Receiver: &backend.Receiver{ReceiverName: "b", ReceiverAddress: "a"}},
	}
	// Weights favour the forward path so walks get far.
	weights := []int{4, 2, 3, 3, 1, 2, 2, 1, 1, 1, 2, 2, 1}
	pick := func(r *rand.Rand) backend.Event {
		total := 0
		for _, w := range weights {
			total += w
		}
		x := r.IntN(total)
		for i, w := range weights {
			if x < w {
				return events[i]
			}
			x -= w
		}
		panic("unreachable")
	}
	r := rand.New(rand.NewPCG(7, 7))
	seen := map[string]bool{}
	for walk := range 150 {
		lines := 1 + walk%3
		nt := backend.NewTrade{SellerNick: backend.SellerNick(1), BuyerNick: "buyer_1"}
		for range lines {
			nt.Orders = append(nt.Orders, backend.NewOrder{Title: "item", Price: 1000, Num: 1})
		}
		v, err := tc.Create(ctx, nt)
		if err != nil {
			t.Fatal(err)
		}
		m := newTradeModel(lines)
		for step := range 14 {
			ev := pick(r)
			allowed := m.apply(ev.Kind, ev.Rater)
			got, err := tc.Apply(ctx, v.Trade.Tid, ev)
			switch {
			case allowed && err != nil:
				t.Fatalf("walk %d step %d: %s in model status %s: the trade centre refused: %v", walk, step, ev.Kind, m.status, err)
			case !allowed && !errors.Is(err, backend.ErrInvalidTransition):
				t.Fatalf("walk %d step %d: %s in status %s: model refuses, trade centre answered %v", walk, step, ev.Kind, m.status, err)
			case allowed && got.Trade.Status != m.status:
				t.Fatalf("walk %d step %d: %s: trade centre status %s, model %s", walk, step, ev.Kind, got.Trade.Status, m.status)
			}
			seen[m.status] = true
		}
	}
	for _, s := range []string{backend.StatusWaitSellerSendGoods, backend.StatusSellerConsignedPart, backend.StatusWaitBuyerConfirm,
		backend.StatusTradeFinished, backend.StatusTradeClosed, backend.StatusTradeClosedByTaobao} {
		if !seen[s] {
			t.Errorf("the walks never reached %s", s)
		}
	}
}
