package meta

// The message service's demo objects.
const (
	// TradeCentreApp is the producer identity of the trade centre's change
	// log: the message service publishes order changes as this app.
	TradeCentreApp = "toplab-trade-centre"
	// BackendTMC is the gateway's route name for the message service's APIs.
	BackendTMC = "tmc"
	// DemoTopic is a topic ISVs may publish through taobao.tmc.message.produce.
	DemoTopic = "toplab_demo_Notice"
)

// TradeTopics are the trade message topics (REFERENCE.md section 2).
var TradeTopics = []string{
	"taobao_trade_TradeCreate", "taobao_trade_TradeBuyerPay", "taobao_trade_TradeSellerShip",
	"taobao_trade_TradePartlySellerShip", "taobao_trade_TradeSuccess", "taobao_trade_TradeClose",
	"taobao_trade_TradeChanged", "taobao_trade_TradeModifyFee", "taobao_trade_TradeMemoModified",
	"taobao_trade_TradeRated", "taobao_trade_TradeLogisticsAddressChanged",
	"taobao_refund_RefundCreated", "taobao_refund_RefundSuccess", "taobao_refund_RefundClosed",
}

// tradeMessageFields are a trade message's content fields and their levels.
var tradeMessageFields = map[string]int{
	"tid": 0, "oid": 0, "seller_nick": 0, "status": 0, "type": 0,
	"payment": standardLevel, "buyer_nick": privacyLevel,
}

// TMCAPIs are the message service's gateway APIs.
func TMCAPIs() []API {
	return []API{
		{Name: "taobao.tmc.message.produce", Backend: BackendTMC, NeedsSession: true},
		{Name: "taobao.tmc.messages.consume", Backend: BackendTMC, Timeout: 35e9}, // a long poll waits up to 30 s
		{Name: "taobao.tmc.messages.confirm", Backend: BackendTMC},
		{Name: "taobao.tmc.user.permit", Backend: BackendTMC, NeedsSession: true},
		{Name: "taobao.tmc.user.cancel", Backend: BackendTMC},
		{Name: "taobao.tmc.user.get", Backend: BackendTMC},
	}
}

// DemoMessaging returns the topics, the trade centre's producer right, and
// the demo app's subscription to every trade topic with the demo seller's
// permit, so `toplab up` delivers the demo orders' changes to the demo app.
func DemoMessaging() []Object {
	var objs []Object
	for _, t := range TradeTopics {
		objs = append(objs, Topic{Name: t, Fields: tradeMessageFields})
	}
	objs = append(objs, Topic{Name: DemoTopic})
	for _, api := range TMCAPIs() {
		objs = append(objs, api)
	}
	return append(objs,
		Producer{AppKey: TradeCentreApp, Topics: TradeTopics},
		Producer{AppKey: DemoAppKey, Topics: []string{DemoTopic}},
		Subscription{AppKey: DemoAppKey, Topics: append([]string{DemoTopic}, TradeTopics...), FieldLevel: privacyLevel},
		TopicPermit{AppKey: DemoAppKey, Seller: DemoSeller},
	)
}
