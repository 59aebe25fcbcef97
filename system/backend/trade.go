package backend

import (
	"slices"
	"strings"
)

// Trade statuses (REFERENCE section 3); a sub-order carries the same set.
const (
	StatusWaitBuyerPay        = "WAIT_BUYER_PAY"
	StatusPayPending          = "PAY_PENDING"
	StatusWaitSellerSendGoods = "WAIT_SELLER_SEND_GOODS"
	StatusSellerConsignedPart = "SELLER_CONSIGNED_PART"
	StatusWaitBuyerConfirm    = "WAIT_BUYER_CONFIRM_GOODS"
	StatusTradeBuyerSigned    = "TRADE_BUYER_SIGNED"
	StatusTradeFinished       = "TRADE_FINISHED"
	StatusTradeClosed         = "TRADE_CLOSED"
	StatusTradeClosedByTaobao = "TRADE_CLOSED_BY_TAOBAO"
)

// Refund statuses of a sub-order.
const (
	RefundNone            = "NO_REFUND"
	RefundWaitSellerAgree = "WAIT_SELLER_AGREE"
	RefundSuccess         = "SUCCESS"
	RefundClosed          = "CLOSED"
)

// statusFilters maps the status parameter of the trade list APIs to the
// statuses it selects: each status selects itself, plus TOP's two groups.
var statusFilters = map[string][]string{
	StatusWaitBuyerPay:        {StatusWaitBuyerPay},
	StatusPayPending:          {StatusPayPending},
	StatusWaitSellerSendGoods: {StatusWaitSellerSendGoods},
	StatusSellerConsignedPart: {StatusSellerConsignedPart},
	StatusWaitBuyerConfirm:    {StatusWaitBuyerConfirm},
	StatusTradeBuyerSigned:    {StatusTradeBuyerSigned},
	StatusTradeFinished:       {StatusTradeFinished},
	StatusTradeClosed:         {StatusTradeClosed},
	StatusTradeClosedByTaobao: {StatusTradeClosedByTaobao},
	"ALL_WAIT_PAY":            {StatusWaitBuyerPay, StatusPayPending},
	"ALL_CLOSED":              {StatusTradeClosed, StatusTradeClosedByTaobao},
}

// Trade is one order as taobao.trade.fullinfo.get returns it. The JSON names
// are TOP's; the field order is the order of the API's output.
type Trade struct {
	Tid          int64     `json:"tid"`
	Status       string    `json:"status"`
	Type         string    `json:"type"`
	SellerNick   string    `json:"seller_nick"`
	BuyerNick    string    `json:"buyer_nick"`
	Title        string    `json:"title"`
	Num          int       `json:"num"`
	NumIid       int64     `json:"num_iid,omitzero"`
	Price        Money     `json:"price"`
	TotalFee     Money     `json:"total_fee"`
	DiscountFee  Money     `json:"discount_fee"`
	AdjustFee    Money     `json:"adjust_fee"`
	PostFee      Money     `json:"post_fee"`
	Payment      Money     `json:"payment"`
	ShippingType string    `json:"shipping_type"`
	Created      Timestamp `json:"created"`
	Modified     Timestamp `json:"modified"` // strictly increasing per order: see nextModified
	PayTime      Timestamp `json:"pay_time,omitzero"`
	ConsignTime  Timestamp `json:"consign_time,omitzero"`
	EndTime      Timestamp `json:"end_time,omitzero"`
	BuyerMessage string    `json:"buyer_message,omitzero"`
	BuyerMemo    string    `json:"buyer_memo,omitzero"`
	SellerMemo   string    `json:"seller_memo,omitzero"`
	SellerFlag   int       `json:"seller_flag"`
	BuyerRate    bool      `json:"buyer_rate"`
	SellerRate   bool      `json:"seller_rate"`
	Receiver
	Orders Orders `json:"orders"`
}

// Receiver is the shipping address.
type Receiver struct {
	ReceiverName     string `json:"receiver_name"`
	ReceiverState    string `json:"receiver_state"`
	ReceiverCity     string `json:"receiver_city"`
	ReceiverDistrict string `json:"receiver_district"`
	ReceiverAddress  string `json:"receiver_address"`
	ReceiverZip      string `json:"receiver_zip"`
	ReceiverMobile   string `json:"receiver_mobile"`
}

// Orders wraps the sub-orders as TOP does: {"order":[...]}.
type Orders struct {
	Order []Order `json:"order"`
}

// Order is a sub-order: one item line of a trade.
type Order struct {
	Oid          int64     `json:"oid"`
	Status       string    `json:"status"`
	NumIid       int64     `json:"num_iid,omitzero"`
	Title        string    `json:"title"`
	Price        Money     `json:"price"`
	Num          int       `json:"num"`
	TotalFee     Money     `json:"total_fee"`
	Payment      Money     `json:"payment"`
	RefundStatus string    `json:"refund_status"`
	RefundID     int64     `json:"refund_id,omitzero"`
	ConsignTime  Timestamp `json:"consign_time,omitzero"`
}

// tradeFields are the names the fields parameter may ask of a trade.
var tradeFields = jsonFieldNames(Trade{})

// TradeFields returns every field a trade API can return, in output order:
// asking for all of them returns a stored version byte for byte, which is
// what a sync client that hashes the JSON needs.
func TradeFields() []string { return slices.Clone(tradeFields) }

// TradeFieldsParam is TradeFields as a fields parameter (comma-separated).
func TradeFieldsParam() string { return tradeFieldsParam }

var tradeFieldsParam = strings.Join(tradeFields, ",")

// shipped reports whether the sub-order has left the seller.
func (o *Order) shipped() bool { return !o.ConsignTime.IsZero() }

// closed reports whether the sub-order was refunded or closed.
func (o *Order) closed() bool {
	return o.Status == StatusTradeClosed || o.Status == StatusTradeClosedByTaobao
}

// NewTrade is what creating an order takes. Zero fields get defaults: Tid is
// allocated, Type is "fixed", one sub-order is made up when Orders is empty.
type NewTrade struct {
	Tid          int64      `json:"tid,omitempty"`
	SellerNick   string     `json:"seller_nick"`
	BuyerNick    string     `json:"buyer_nick"`
	Type         string     `json:"type,omitempty"`
	PostFee      Money      `json:"post_fee,omitempty"`
	BuyerMessage string     `json:"buyer_message,omitempty"`
	Receiver     *Receiver  `json:"receiver,omitempty"`
	Orders       []NewOrder `json:"orders,omitempty"`
}

// NewOrder is one item line of a NewTrade.
type NewOrder struct {
	NumIid int64  `json:"num_iid,omitempty"`
	Title  string `json:"title"`
	Price  Money  `json:"price"`
	Num    int    `json:"num"`
}

// Limits of a NewTrade, so one request cannot make an unbounded order.
const (
	maxSubOrders = 50
	maxNickBytes = 64
	maxTextBytes = 512
	maxItemNum   = 100000
)
