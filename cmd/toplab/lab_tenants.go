package main

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/system/meta"
)

// labTopic is the topic the push stream's own publisher (a phase's push
// shape) produces, on top of the trade messages the orders cause.
const (
	labTopic       = "lab_Numbered"
	labProducerApp = "lab-producer"
)

// labSellerName is the backend's name for seeded seller i (1-based).
func labSellerName(i int) string { return fmt.Sprintf("seller_%04d", i) }

// labSellers lists seller_0001 ... seller_<n>.
func labSellers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = labSellerName(i + 1)
	}
	return out
}

// backendSellerCount is how many sellers the backend seeds: enough for the
// orders stream, the api stream's sessions and `toplab up`'s default ten.
func backendSellerCount(s *scenarios.Scenario) int {
	n := 10
	if o := s.Streams.Orders; o != nil {
		n = max(n, o.Sellers)
	}
	if a := s.Streams.API; a != nil {
		n = max(n, a.SessionsPerApp)
	}
	return n
}

// pushApp names push app i (0-based) of the push stream.
func pushApp(i int) (key, secret string) {
	return fmt.Sprintf("lab-push-%03d", i+1), fmt.Sprintf("lab-push-secret-%03d", i+1)
}

// pushAppOf is the push app a seller (1-based index) permits: each seller
// authorises one ISV, so every trade message goes to exactly one push app
// and the push stream's volume follows the orders stream's.
func pushAppOf(seller, apps int) int { return (seller - 1) % apps }

// labTenants is everything the metadata store needs before the gateway
// starts: the demo tenant and messaging, the sync app with a session for
// every seller, the api stream's bulk apps and the push stream's apps.
func labTenants(s *scenarios.Scenario, now time.Time) []meta.Object {
	sellers := labSellers(backendSellerCount(s))
	objs := append(meta.DemoTenant(now), meta.DemoMessaging()...)
	objs = append(objs, meta.SyncTenant(now, append([]string{meta.DemoSeller}, sellers...), nil)...)
	if a := s.Streams.API; a != nil {
		apps, sessions := meta.BulkTenants(a.Apps, a.SessionsPerApp, now)
		for _, app := range apps {
			objs = append(objs, app)
		}
		for _, ss := range sessions {
			objs = append(objs, ss)
		}
	}
	if p := s.Streams.Push; p != nil {
		objs = append(objs, meta.Topic{Name: labTopic}, meta.Producer{AppKey: labProducerApp, Topics: []string{labTopic}})
		topics := append([]string{labTopic}, meta.TradeTopics...)
		for i := range p.Apps {
			key, secret := pushApp(i)
			objs = append(objs, meta.App{Key: key, Secret: secret, Name: "lab push client " + key, Status: meta.AppActive},
				meta.Subscription{AppKey: key, Topics: topics, FieldLevel: 9})
		}
		for j, seller := range sellers {
			key, _ := pushApp(pushAppOf(j+1, p.Apps))
			objs = append(objs, meta.TopicPermit{AppKey: key, Seller: seller})
		}
	}
	return objs
}
