package backend

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// step is one event of a lifecycle scenario and what it must do.
type step struct {
	ev         Event
	status     string   // trade status after the step ("" when it must fail)
	topics     []string // change-log topics appended
	transition bool     // fails with ErrInvalidTransition
	input      bool     // fails with ErrInvalidInput
}

func TestLifecycle(t *testing.T) {
	ok := func(kind EventKind, status string, topics ...string) step {
		return step{ev: Event{Kind: kind}, status: status, topics: topics}
	}
	deny := func(kind EventKind) step { return step{ev: Event{Kind: kind}, transition: true} }
	scenarios := []struct {
		name  string
		steps []step
	}{
		{"happy path with partial shipment", []step{
			deny(EventShip), deny(EventConfirm), deny(EventRate), deny(EventRefundCreate),
			ok(EventPay, StatusWaitSellerSendGoods, TopicTradeBuyerPay),
			deny(EventPay), deny(EventClose), deny(EventModifyFee),
			ok(EventPartlyShip, StatusSellerConsignedPart, TopicTradePartlySellerShip),
			deny(EventPartlyShip), // only one line left unshipped
			deny(EventAddressChange),
			ok(EventShip, StatusWaitBuyerConfirm, TopicTradeSellerShip),
			deny(EventShip),
			ok(EventConfirm, StatusTradeFinished, TopicTradeSuccess),
			ok(EventRate, StatusTradeFinished, TopicTradeRated),
			deny(EventRate), // the buyer rated already
			{ev: Event{Kind: EventRate, Rater: "seller"}, status: StatusTradeFinished, topics: []string{TopicTradeRated}},
			{ev: Event{Kind: EventRate, Rater: "robot"}, input: true},
		}},
		{"unpaid order: fee, address, memo, close", []step{
			{ev: Event{Kind: EventModifyFee, Payment: ptr(Money(100))}, status: StatusWaitBuyerPay, topics: []string{TopicTradeModifyFee}},
			{ev: Event{Kind: EventModifyFee}, input: true},
			{ev: Event{Kind: EventAddressChange, Receiver: &Receiver{ReceiverName: "张三", ReceiverAddress: "西湖区 1 号"}}, status: StatusWaitBuyerPay, topics: []string{TopicTradeAddressChanged}},
			{ev: Event{Kind: EventAddressChange}, input: true},
			{ev: Event{Kind: EventMemo, Memo: ptr("call first"), Flag: 2}, status: StatusWaitBuyerPay, topics: []string{TopicTradeMemoModified}},
			{ev: Event{Kind: EventMemo}, input: true},
			ok(EventClose, StatusTradeClosedByTaobao, TopicTradeClose),
			deny(EventPay), deny(EventClose),
			{ev: Event{Kind: EventMemo, Memo: ptr("closed, still noted")}, status: StatusTradeClosedByTaobao, topics: []string{TopicTradeMemoModified}},
		}},
		{"refunds close the trade when no line is left", []step{
			deny(EventRefundSuccess), deny(EventRefundClose),
			ok(EventPay, StatusWaitSellerSendGoods, TopicTradeBuyerPay),
			ok(EventRefundCreate, StatusWaitSellerSendGoods, TopicRefundCreated),
			ok(EventRefundClose, StatusWaitSellerSendGoods, TopicRefundClosed),
			ok(EventRefundCreate, StatusWaitSellerSendGoods, TopicRefundCreated), // a closed refund may reopen
			ok(EventRefundSuccess, StatusWaitSellerSendGoods, TopicRefundSuccess),
			ok(EventRefundCreate, StatusWaitSellerSendGoods, TopicRefundCreated), // the other line
			ok(EventRefundSuccess, StatusTradeClosed, TopicRefundSuccess, TopicTradeClose),
			deny(EventRefundCreate), deny(EventShip),
		}},
		{"refund of the unshipped line completes a partial shipment", []step{
			ok(EventPay, StatusWaitSellerSendGoods, TopicTradeBuyerPay),
			ok(EventPartlyShip, StatusSellerConsignedPart, TopicTradePartlySellerShip),
			ok(EventRefundCreate, StatusSellerConsignedPart, TopicRefundCreated), // the first open line: the shipped one
			ok(EventRefundClose, StatusSellerConsignedPart, TopicRefundClosed),
			{ev: Event{Kind: EventRefundCreate, Oid: -1}, transition: true}, // no such line
		}},
		{"unknown event", []step{{ev: Event{Kind: "teleport"}, input: true}}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			n, _ := newTestNode(t, Config{})
			tc := n.Trades()
			v := mustCreate(t, tc, DemoSeller)
			tid := v.Trade.Tid
			for i, st := range sc.steps {
				before, _ := tc.Get(context.Background(), tid)
				seq := tc.LastSeq()
				got, err := tc.Apply(context.Background(), tid, st.ev)
				switch {
				case st.transition || st.input:
					want := ErrInvalidTransition
					if st.input {
						want = ErrInvalidInput
					}
					if !errors.Is(err, want) {
						t.Fatalf("step %d (%s): err %v, want %v", i, st.ev.Kind, err, want)
					}
					after, _ := tc.Get(context.Background(), tid)
					if after.Hash != before.Hash || tc.LastSeq() != seq {
						t.Fatalf("step %d (%s): a refused event changed the order or the log", i, st.ev.Kind)
					}
				case err != nil:
					t.Fatalf("step %d (%s): %v", i, st.ev.Kind, err)
				default:
					var topics []string
					for _, c := range got.Changes {
						topics = append(topics, c.Topic)
					}
					if got.Trade.Status != st.status || !slices.Equal(topics, st.topics) {
						t.Fatalf("step %d (%s): status %s topics %v, want %s %v", i, st.ev.Kind, got.Trade.Status, topics, st.status, st.topics)
					}
				}
			}
		})
	}
}

func TestLifecycleDetails(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	v := mustCreate(t, tc, DemoSeller)
	tr := v.Trade
	if tr.Status != StatusWaitBuyerPay || tr.Type != "fixed" || tr.Num != 3 || tr.TotalFee != 29900 || tr.Payment != 29900 ||
		len(tr.Orders.Order) != 2 || tr.Orders.Order[1].Oid != tr.Orders.Order[0].Oid+1 || tr.Title != "耳机" || tr.Created != tr.Modified {
		t.Fatalf("created trade %+v", tr)
	}
	tr = mustApply(t, tc, tr.Tid, Event{Kind: EventModifyFee, PostFee: ptr(Money(1000))}).Trade
	if tr.PostFee != 1000 || tr.Payment != 30900 || tr.AdjustFee != 0 {
		t.Fatalf("post fee change: %+v", tr)
	}
	tr = mustApply(t, tc, tr.Tid, Event{Kind: EventModifyFee, Payment: ptr(Money(30000))}).Trade
	if tr.Payment != 30000 || tr.AdjustFee != -900 {
		t.Fatalf("payment change: payment %s adjust %s", tr.Payment, tr.AdjustFee)
	}
	tr = mustApply(t, tc, tr.Tid, Event{Kind: EventPay}).Trade
	second := tr.Orders.Order[1].Oid
	pv := mustApply(t, tc, tr.Tid, Event{Kind: EventPartlyShip, Oid: second})
	if o := pv.Trade.Orders.Order; !o[1].shipped() || o[0].shipped() || pv.Changes[0].Content.Oid != second {
		t.Fatalf("partly_ship of oid %d shipped %+v, logged oid %d", second, o, pv.Changes[0].Content.Oid)
	}
	rv := mustApply(t, tc, tr.Tid, Event{Kind: EventRefundCreate, Oid: second})
	if o := rv.Trade.Orders.Order[1]; o.RefundStatus != RefundWaitSellerAgree || o.RefundID == 0 {
		t.Fatalf("refund not opened: %+v", o)
	}
	c := rv.Changes[0].Content
	if c.Tid != tr.Tid || c.Oid != second || c.SellerNick != DemoSeller || c.BuyerNick != "buyer_1" || c.Payment != 30000 || c.Type != "fixed" || c.Status != StatusSellerConsignedPart {
		t.Fatalf("change content %+v", c)
	}
	if _, err := tc.Apply(context.Background(), 1, Event{Kind: EventPay}); !errors.Is(err, ErrTradeNotFound) {
		t.Fatalf("unknown tid: %v", err)
	}
}

// Over HTTP an invalid transition is 409 with a message naming the event
// and the status.
func TestInternalEventStatuses(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tid := strconv.FormatInt(mustCreate(t, n.Trades(), DemoSeller).Trade.Tid, 10)
	tests := []struct {
		name, path, body string
		status           int
		subCode          string
	}{
		{"ship before pay", "/internal/trades/" + tid + "/events", `{"event":"ship"}`, http.StatusConflict, "isv.invalid-transition"},
		{"unknown trade", "/internal/trades/77/events", `{"event":"pay"}`, http.StatusNotFound, "isv.trade-not-exist"},
		{"bad tid", "/internal/trades/x/events", `{"event":"pay"}`, http.StatusBadRequest, "isv.invalid-parameter:tid"},
		{"unknown event", "/internal/trades/" + tid + "/events", `{"event":"fly"}`, http.StatusBadRequest, "isv.invalid-parameter"},
		{"unknown field", "/internal/trades/" + tid + "/events", `{"event":"pay","colour":1}`, http.StatusBadRequest, "isv.invalid-json"},
		{"two values", "/internal/trades/" + tid + "/events", `{"event":"pay"}{}`, http.StatusBadRequest, "isv.invalid-json"},
		{"pay", "/internal/trades/" + tid + "/events", `{"event":"pay"}`, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := doJSON(t, n.Handler(), http.MethodPost, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.subCode != "" {
				e := decodeTopError(t, body)
				if e.SubCode != tt.subCode {
					t.Fatalf("sub_code %s, want %s", e.SubCode, tt.subCode)
				}
				if tt.status == http.StatusConflict && e.SubMsg != "trade "+tid+": event ship is not allowed in status WAIT_BUYER_PAY: only a paid order waiting for shipment can be shipped" {
					t.Fatalf("unclear message %q", e.SubMsg)
				}
			}
		})
	}
}
