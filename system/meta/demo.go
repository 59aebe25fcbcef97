package meta

import (
	"fmt"
	"time"
)

// The documented demo tenant that `toplab up` seeds.
const (
	DemoAppKey    = "10000001"
	DemoSecret    = "toplab-demo-secret"
	DemoSeller    = "demo_seller"
	DemoSellerID  = 100000001
	DemoSession   = "demo-session"
	DemoPackage   = "demo"
	BackendTrade  = "trade"
	BackendItem   = "item"
	BackendUser   = "user"
	privacyLevel  = 2 // buyer contact data
	standardLevel = 1
)

// tradeFields are the fields of a trade and the level needed to see them.
var tradeFields = map[string]int{
	"tid": 0, "status": 0, "type": 0, "seller_nick": 0, "buyer_nick": 0, "created": 0, "modified": 0,
	"title": 0, "num": 0, "num_iid": 0, "price": 0, "shipping_type": 0, "seller_flag": 0, "buyer_rate": 0, "seller_rate": 0,
	"payment": standardLevel, "post_fee": standardLevel, "total_fee": standardLevel, "discount_fee": standardLevel,
	"adjust_fee": standardLevel, "pay_time": standardLevel, "consign_time": standardLevel, "end_time": standardLevel,
	"buyer_message": standardLevel, "buyer_memo": standardLevel, "seller_memo": standardLevel, "refund_status": standardLevel,
	"orders":        standardLevel,
	"receiver_name": privacyLevel, "receiver_mobile": privacyLevel, "receiver_address": privacyLevel,
	"receiver_state": privacyLevel, "receiver_city": privacyLevel, "receiver_district": privacyLevel, "receiver_zip": privacyLevel,
}

var itemFields = map[string]int{
	"num_iid": 0, "title": 0, "price": 0, "num": 0, "nick": 0, "approve_status": 0, "modified": 0, "desc": standardLevel,
}

var userFields = map[string]int{"user_id": 0, "nick": 0, "type": 0, "created": 0, "seller_credit": standardLevel}

// DemoAPIs are the backend APIs the reference system serves.
func DemoAPIs() []API {
	return []API{
		{Name: "taobao.trade.fullinfo.get", Backend: BackendTrade, NeedsSession: true, Fields: tradeFields, DefaultFields: []string{"tid", "status", "modified"}},
		{Name: "taobao.trades.sold.get", Backend: BackendTrade, NeedsSession: true, Fields: tradeFields, DefaultFields: []string{"tid", "status", "modified"}},
		{Name: "taobao.trades.sold.increment.get", Backend: BackendTrade, NeedsSession: true, Fields: tradeFields, DefaultFields: []string{"tid", "status", "modified"}},
		{Name: "taobao.item.get", Backend: BackendItem, Fields: itemFields, DefaultFields: []string{"num_iid", "title", "price"}},
		{Name: "taobao.items.onsale.get", Backend: BackendItem, NeedsSession: true, Fields: itemFields, DefaultFields: []string{"num_iid", "title", "price"}},
		{Name: "taobao.user.seller.get", Backend: BackendUser, NeedsSession: true, Fields: userFields, DefaultFields: []string{"user_id", "nick"}},
	}
}

// DemoTenant returns the demo app, the APIs, a permission package granting
// them all (with buyer contact fields), and the demo seller's session.
func DemoTenant(now time.Time) []Object {
	pkg := Package{Name: DemoPackage, APIs: map[string]int{}}
	var objs []Object
	for _, api := range DemoAPIs() {
		pkg.APIs[api.Name] = privacyLevel
		objs = append(objs, api)
	}
	for _, api := range TMCAPIs() { // their API objects come with DemoMessaging
		pkg.APIs[api.Name] = privacyLevel
	}
	return append(objs, pkg,
		App{Key: DemoAppKey, Secret: DemoSecret, Name: "toplab demo app", Status: AppActive, Packages: []string{DemoPackage}},
		Session{Key: DemoSession, AppKey: DemoAppKey, UserID: DemoSellerID, UserNick: DemoSeller, Expires: now.AddDate(10, 0, 0)},
	)
}

// BulkTenants returns apps (load-app-000001 ...) each with sessions for
// sellers, for load tests: app i gets secret "secret-<i>" and the demo
// package; session "s-<app>-<j>" authorises seller_<j>.
func BulkTenants(apps, sessionsPerApp int, now time.Time) (appList []App, sessions []Session) {
	for i := 1; i <= apps; i++ {
		key := fmt.Sprintf("load-app-%06d", i)
		appList = append(appList, App{Key: key, Secret: fmt.Sprintf("secret-%06d", i), Status: AppActive, Packages: []string{DemoPackage}})
		for j := 1; j <= sessionsPerApp; j++ {
			sessions = append(sessions, Session{Key: fmt.Sprintf("s-%s-%d", key, j), AppKey: key, UserID: int64(200000000 + j),
				UserNick: fmt.Sprintf("seller_%04d", j), Expires: now.AddDate(1, 0, 0)})
		}
	}
	return appList, sessions
}
