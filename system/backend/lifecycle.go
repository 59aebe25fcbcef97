package backend

import (
	"fmt"
	"slices"
	"time"
)

// Change-log topics (REFERENCE section 2).
const (
	TopicTradeCreate           = "taobao_trade_TradeCreate"
	TopicTradeBuyerPay         = "taobao_trade_TradeBuyerPay"
	TopicTradeSellerShip       = "taobao_trade_TradeSellerShip"
	TopicTradePartlySellerShip = "taobao_trade_TradePartlySellerShip"
	TopicTradeSuccess          = "taobao_trade_TradeSuccess"
	TopicTradeClose            = "taobao_trade_TradeClose"
	TopicTradeModifyFee        = "taobao_trade_TradeModifyFee"
	TopicTradeMemoModified     = "taobao_trade_TradeMemoModified"
	TopicTradeRated            = "taobao_trade_TradeRated"
	TopicTradeAddressChanged   = "taobao_trade_TradeLogisticsAddressChanged"
	TopicRefundCreated         = "taobao_refund_RefundCreated"
	TopicRefundSuccess         = "taobao_refund_RefundSuccess"
	TopicRefundClosed          = "taobao_refund_RefundClosed"
)

// EventKind names a lifecycle event of an order.
type EventKind string

// The lifecycle events. Each lists the trade statuses it is valid in.
const (
	EventPay           EventKind = "pay"            // WAIT_BUYER_PAY, PAY_PENDING -> WAIT_SELLER_SEND_GOODS
	EventPartlyShip    EventKind = "partly_ship"    // ships one sub-order (Oid or the first unshipped) -> SELLER_CONSIGNED_PART
	EventShip          EventKind = "ship"           // ships the rest -> WAIT_BUYER_CONFIRM_GOODS
	EventConfirm       EventKind = "confirm"        // the buyer confirms -> TRADE_FINISHED ("finish" is an alias)
	EventClose         EventKind = "close"          // an unpaid order times out -> TRADE_CLOSED_BY_TAOBAO
	EventRefundCreate  EventKind = "refund_create"  // a paid sub-order's refund opens (WAIT_SELLER_AGREE)
	EventRefundSuccess EventKind = "refund_success" // the refund completes; the sub-order closes, and the trade when none is left
	EventRefundClose   EventKind = "refund_close"   // the refund is withdrawn
	EventModifyFee     EventKind = "modify_fee"     // the seller changes the price of an unpaid order
	EventMemo          EventKind = "memo"           // the seller's memo and flag, any status
	EventRate          EventKind = "rate"           // a side rates a finished order
	EventAddressChange EventKind = "address_change" // the receiver changes before shipping
)

// Event is one lifecycle step applied to an order; which fields matter
// depends on Kind.
type Event struct {
	Kind     EventKind `json:"event"`
	Oid      int64     `json:"oid,omitempty"`      // partly_ship, refund_*: the sub-order (0: the first that fits)
	Payment  *Money    `json:"payment,omitempty"`  // modify_fee: the new payment
	PostFee  *Money    `json:"post_fee,omitempty"` // modify_fee: the new post fee
	Memo     *string   `json:"memo,omitempty"`     // memo
	Flag     int       `json:"flag,omitempty"`     // memo: the seller flag 0..5
	Receiver *Receiver `json:"receiver,omitempty"` // address_change
	Rater    string    `json:"rater,omitempty"`    // rate: "buyer" (default) or "seller"
}

// TransitionError is an event the order's status does not allow. It matches
// ErrInvalidTransition with errors.Is.
type TransitionError struct {
	Tid    int64
	Event  EventKind
	Status string
	Reason string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("trade %d: event %s is not allowed in status %s: %s", e.Tid, e.Event, e.Status, e.Reason)
}

func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// emitted is one change-log entry an event produces.
type emitted struct {
	topic string
	oid   int64
}

// nextModified is the modified rule. modified has second resolution, and an
// order's modified never repeats nor goes back, even when the order changes
// several times in one second or the clock steps backwards:
//
//	new modified = max(now truncated to the second, previous modified + 1 s)
//
// So the latest version of an order is always the one with the greatest
// modified, which is what conditional writes downstream (WHERE modified < ?)
// rely on. The price: a burst of changes to one order can push its modified
// a few seconds ahead of the wall clock.
func nextModified(prev Timestamp, now time.Time) Timestamp {
	return max(TimestampOf(now), prev+1)
}

// applyEvent changes t by ev at time at (the new modified) and returns the
// change-log entries to append. newRefundID allocates refund ids.
func applyEvent(t *Trade, ev Event, at Timestamp, newRefundID func() int64) ([]emitted, error) {
	deny := func(reason string) error {
		return &TransitionError{Tid: t.Tid, Event: ev.Kind, Status: t.Status, Reason: reason}
	}
	in := func(statuses ...string) bool { return slices.Contains(statuses, t.Status) }
	first := t.Orders.Order[0].Oid
	switch ev.Kind {
	case EventPay:
		if !in(StatusWaitBuyerPay, StatusPayPending) {
			return nil, deny("only an unpaid order can be paid")
		}
		t.Status, t.PayTime = StatusWaitSellerSendGoods, at
		t.eachOpen(func(o *Order) { o.Status = StatusWaitSellerSendGoods })
		return []emitted{{TopicTradeBuyerPay, first}}, nil

	case EventPartlyShip:
		if !in(StatusWaitSellerSendGoods, StatusSellerConsignedPart) {
			return nil, deny("only a paid order waiting for shipment can be shipped")
		}
		unshipped := t.unshipped()
		if len(unshipped) < 2 {
			return nil, deny("a partial shipment needs at least two unshipped sub-orders; use ship")
		}
		o, err := t.pick(ev.Kind, ev.Oid, unshipped)
		if err != nil {
			return nil, err
		}
		o.ConsignTime, o.Status = at, StatusWaitBuyerConfirm
		t.Status = StatusSellerConsignedPart
		return []emitted{{TopicTradePartlySellerShip, o.Oid}}, nil

	case EventShip:
		if !in(StatusWaitSellerSendGoods, StatusSellerConsignedPart) {
			return nil, deny("only a paid order waiting for shipment can be shipped")
		}
		for _, o := range t.unshipped() {
			o.ConsignTime, o.Status = at, StatusWaitBuyerConfirm
		}
		t.Status, t.ConsignTime = StatusWaitBuyerConfirm, at
		return []emitted{{TopicTradeSellerShip, first}}, nil

	case EventConfirm, "finish":
		if !in(StatusWaitBuyerConfirm, StatusTradeBuyerSigned) {
			return nil, deny("only a shipped order can be confirmed")
		}
		t.Status, t.EndTime = StatusTradeFinished, at
		t.eachOpen(func(o *Order) { o.Status = StatusTradeFinished })
		return []emitted{{TopicTradeSuccess, first}}, nil

	case EventClose:
		if !in(StatusWaitBuyerPay, StatusPayPending) {
			return nil, deny("only an unpaid order can be closed; a paid one closes through refunds")
		}
		t.Status, t.EndTime = StatusTradeClosedByTaobao, at
		t.eachOpen(func(o *Order) { o.Status = StatusTradeClosedByTaobao })
		return []emitted{{TopicTradeClose, first}}, nil

	case EventRefundCreate:
		if !in(StatusWaitSellerSendGoods, StatusSellerConsignedPart, StatusWaitBuyerConfirm, StatusTradeBuyerSigned, StatusTradeFinished) {
			return nil, deny("only a paid order can be refunded")
		}
		o, err := t.pick(ev.Kind, ev.Oid, t.ordersWhere(func(o *Order) bool {
			return !o.closed() && (o.RefundStatus == RefundNone || o.RefundStatus == RefundClosed)
		}))
		if err != nil {
			return nil, err
		}
		o.RefundStatus, o.RefundID = RefundWaitSellerAgree, newRefundID()
		return []emitted{{TopicRefundCreated, o.Oid}}, nil

	case EventRefundSuccess, EventRefundClose:
		o, err := t.pick(ev.Kind, ev.Oid, t.ordersWhere(func(o *Order) bool { return o.RefundStatus == RefundWaitSellerAgree }))
		if err != nil {
			return nil, err
		}
		if ev.Kind == EventRefundClose {
			o.RefundStatus = RefundClosed
			return []emitted{{TopicRefundClosed, o.Oid}}, nil
		}
		o.RefundStatus, o.Status = RefundSuccess, StatusTradeClosed
		out := []emitted{{TopicRefundSuccess, o.Oid}}
		switch {
		case len(t.ordersWhere(func(o *Order) bool { return !o.closed() })) == 0:
			t.Status, t.EndTime = StatusTradeClosed, at
			out = append(out, emitted{TopicTradeClose, first})
		case t.Status == StatusSellerConsignedPart && len(t.unshipped()) == 0:
			t.Status, t.ConsignTime = StatusWaitBuyerConfirm, at // the refund removed the last unshipped line
		}
		return out, nil

	case EventModifyFee:
		if !in(StatusWaitBuyerPay, StatusPayPending) {
			return nil, deny("the price can change only before payment")
		}
		if ev.Payment == nil && ev.PostFee == nil {
			return nil, fmt.Errorf("%w: modify_fee needs payment or post_fee", ErrInvalidInput)
		}
		if (ev.Payment != nil && (*ev.Payment < 0 || *ev.Payment > maxMoney)) || (ev.PostFee != nil && (*ev.PostFee < 0 || *ev.PostFee > maxMoney)) {
			return nil, fmt.Errorf("%w: modify_fee amounts must be from 0 to %s", ErrInvalidInput, maxMoney)
		}
		if ev.PostFee != nil {
			t.PostFee = *ev.PostFee
		}
		payment := t.TotalFee - t.DiscountFee + t.PostFee
		if ev.Payment != nil {
			payment = *ev.Payment
		}
		t.AdjustFee = payment - (t.TotalFee - t.DiscountFee + t.PostFee)
		t.Payment = payment
		return []emitted{{TopicTradeModifyFee, first}}, nil

	case EventMemo:
		if ev.Memo == nil || len(*ev.Memo) > maxTextBytes || ev.Flag < 0 || ev.Flag > 5 {
			return nil, fmt.Errorf("%w: memo needs memo (at most %d bytes) and a flag from 0 to 5", ErrInvalidInput, maxTextBytes)
		}
		t.SellerMemo, t.SellerFlag = *ev.Memo, ev.Flag
		return []emitted{{TopicTradeMemoModified, first}}, nil

	case EventRate:
		if !in(StatusTradeFinished) {
			return nil, deny("only a finished order can be rated")
		}
		rated := &t.BuyerRate
		switch ev.Rater {
		case "", "buyer":
		case "seller":
			rated = &t.SellerRate
		default:
			return nil, fmt.Errorf("%w: rater must be buyer or seller", ErrInvalidInput)
		}
		if *rated {
			return nil, deny("this side has rated already")
		}
		*rated = true
		return []emitted{{TopicTradeRated, first}}, nil

	case EventAddressChange:
		if !in(StatusWaitBuyerPay, StatusPayPending, StatusWaitSellerSendGoods) {
			return nil, deny("the address can change only before shipment")
		}
		if err := ev.Receiver.validate(); err != nil {
			return nil, err
		}
		t.Receiver = *ev.Receiver
		return []emitted{{TopicTradeAddressChanged, first}}, nil
	}
	return nil, fmt.Errorf("%w: unknown event %q", ErrInvalidInput, truncateForError(string(ev.Kind)))
}

// eachOpen runs f on every sub-order not closed by a refund.
func (t *Trade) eachOpen(f func(*Order)) {
	for i := range t.Orders.Order {
		if o := &t.Orders.Order[i]; !o.closed() {
			f(o)
		}
	}
}

func (t *Trade) ordersWhere(keep func(*Order) bool) []*Order {
	var out []*Order
	for i := range t.Orders.Order {
		if o := &t.Orders.Order[i]; keep(o) {
			out = append(out, o)
		}
	}
	return out
}

func (t *Trade) unshipped() []*Order {
	return t.ordersWhere(func(o *Order) bool { return !o.closed() && !o.shipped() })
}

// pick returns the sub-order oid among candidates, or the first candidate
// when oid is 0.
func (t *Trade) pick(ev EventKind, oid int64, candidates []*Order) (*Order, error) {
	for _, o := range candidates {
		if oid == 0 || o.Oid == oid {
			return o, nil
		}
	}
	if oid == 0 {
		return nil, &TransitionError{Tid: t.Tid, Event: ev, Status: t.Status, Reason: "no sub-order fits this event"}
	}
	return nil, &TransitionError{Tid: t.Tid, Event: ev, Status: t.Status, Reason: fmt.Sprintf("sub-order %d does not fit this event", oid)}
}

func (r *Receiver) validate() error {
	if r == nil || r.ReceiverName == "" || r.ReceiverAddress == "" {
		return fmt.Errorf("%w: receiver needs receiver_name and receiver_address", ErrInvalidInput)
	}
	for _, s := range []string{r.ReceiverName, r.ReceiverState, r.ReceiverCity, r.ReceiverDistrict, r.ReceiverAddress, r.ReceiverZip, r.ReceiverMobile} {
		if len(s) > maxTextBytes {
			return fmt.Errorf("%w: receiver fields are at most %d bytes", ErrInvalidInput, maxTextBytes)
		}
	}
	return nil
}
