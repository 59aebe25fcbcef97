package toptarget

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// env is a gateway in front of a real backend node, both serving real HTTP
// on 127.0.0.1:0, with the demo tenant, bulk apps and orders seeded.
type env struct {
	url  string
	bulk Bulk
	tids map[string][]int64 // seller nick -> orders
}

// newEnv seeds apps x sessions bulk tenants (sessions <= 10: the backend's
// default sellers) and ordersPerSeller orders for each seller they act for.
func newEnv(t testing.TB, apps, sessions, ordersPerSeller int) *env {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	node, err := backend.New(backend.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	be := httptest.NewServer(node.Handler())
	t.Cleanup(be.Close)

	now := time.Now()
	st, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	objs := meta.DemoTenant(now)
	bulkApps, bulkSessions := meta.BulkTenants(apps, sessions, now)
	for _, a := range bulkApps {
		objs = append(objs, a)
	}
	for _, s := range bulkSessions {
		objs = append(objs, s)
	}
	recs, err := meta.Encode(objs)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutMany(ctx, recs); err != nil {
		t.Fatal(err)
	}
	cache, err := metacache.New(ctx, metacache.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	gw, err := gateway.New(gateway.Config{Metadata: cache, Logger: quiet, Backends: map[string]gateway.BackendConfig{
		meta.BackendTrade: {URL: be.URL}, meta.BackendItem: {URL: be.URL}, meta.BackendUser: {URL: be.URL},
	}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(gw)
	t.Cleanup(front.Close)

	e := &env{url: front.URL, bulk: Bulk{Apps: apps, SessionsPerApp: sessions}, tids: map[string][]int64{}}
	for j := 1; j <= sessions; j++ {
		seller := backend.SellerNick(j)
		var nts []backend.NewTrade
		for k := range ordersPerSeller {
			nts = append(nts, backend.NewTrade{SellerNick: seller, BuyerNick: fmt.Sprintf("buyer_%04d", k+1),
				Orders: []backend.NewOrder{{Title: "load item", Price: backend.Money(1999), Num: 1}}})
		}
		vs, err := node.Trades().CreateMany(ctx, nts)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			e.tids[seller] = append(e.tids[seller], v.Trade.Tid)
		}
	}
	return e
}

// config is a population over the env's tenants with the default mix.
func (e *env) config() Config {
	return Config{URL: e.url, Bulk: e.bulk, Tids: e.tids, Seed: 7}
}
