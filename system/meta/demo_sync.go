package meta

import "time"

// The data sync's demo objects: the sync app (the JDP-style service that
// copies sellers' orders into their databases) and its authorisation by the
// demo seller.
const (
	SyncAppKey  = "10000002"
	SyncSecret  = "toplab-sync-secret"
	SyncSession = "sync-demo-session"
)

// SyncTenant returns the sync app with the demo package, a session for each
// seller (the demo seller's is SyncSession), its subscription to every trade
// topic at the highest field level, with groups for the hot sellers' logical
// clusters, and the sellers' topic permits.
func SyncTenant(now time.Time, sellers []string, groups []MessageGroup) []Object {
	objs := []Object{
		App{Key: SyncAppKey, Secret: SyncSecret, Name: "toplab data sync", Status: AppActive, Packages: []string{DemoPackage}},
		Subscription{AppKey: SyncAppKey, Topics: TradeTopics, FieldLevel: privacyLevel, Groups: groups},
	}
	for i, s := range sellers {
		key, uid := "sync-"+s, int64(300000000+i)
		if s == DemoSeller {
			key, uid = SyncSession, DemoSellerID
		}
		objs = append(objs,
			Session{Key: key, AppKey: SyncAppKey, UserID: uid, UserNick: s, Expires: now.AddDate(10, 0, 0)},
			TopicPermit{AppKey: SyncAppKey, Seller: s})
	}
	return objs
}
