package reconcile_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/sdk"
)

// sessions is a fixed seller -> session table.
type sessions map[string]string

func (s sessions) Session(_ context.Context, seller string) (string, bool, error) {
	k, ok := s[seller]
	return k, ok, nil
}

// platformEnv is a real trade centre behind a real gateway, in process.
type platformEnv struct {
	trades *backend.TradeCentre
	client *sdk.Client
}

func newPlatformEnv(t *testing.T, clk clock.Clock) platformEnv {
	t.Helper()
	ctx := context.Background()
	node, err := backend.New(backend.Config{Clock: clk, Logger: quiet, Sellers: 1, ItemsPerSeller: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	backendSrv := httptest.NewServer(node.Handler())
	t.Cleanup(backendSrv.Close)

	st, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	objs := meta.DemoTenant(time.Now())
	// Every field of a trade, as the sync app is granted: the answer's bytes
	// are then the trade centre's stored version.
	objs = append(objs,
		meta.API{Name: reconcile.MethodIncrement, Backend: meta.BackendTrade, NeedsSession: true},
		meta.API{Name: "taobao.trade.fullinfo.get", Backend: meta.BackendTrade, NeedsSession: true})
	for _, o := range objs {
		if _, err := meta.Put(ctx, st, o); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := metacache.New(ctx, metacache.Config{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	gw, err := gateway.New(gateway.Config{Metadata: cache, Logger: quiet,
		Backends: map[string]gateway.BackendConfig{meta.BackendTrade: {URL: backendSrv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	gwSrv := httptest.NewServer(gw)
	t.Cleanup(gwSrv.Close)
	client, err := sdk.New(sdk.Config{URL: gwSrv.URL, AppKey: meta.DemoAppKey, Secret: meta.DemoSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.CloseIdleConnections)
	return platformEnv{trades: node.Trades(), client: client}
}

// Against the real trade centre through the gateway and the SDK, into the
// real SQLite seller database: a first run syncs every order byte for byte
// (the increment answer hashes like the stored version), then changes on
// the platform and damage behind the worker's back are repaired.
func TestAgainstTheTradeCentreThroughTheGateway(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(now0.Add(-2 * time.Hour))
	env := newPlatformEnv(t, clk)
	var tids []int64
	for i := range 230 { // three pages, over two hours
		v, err := env.trades.Create(ctx, backend.NewTrade{SellerNick: meta.DemoSeller, BuyerNick: "buyer_" + string(rune('a'+i%26))})
		if err != nil {
			t.Fatal(err)
		}
		tids = append(tids, v.Trade.Tid)
		clk.Advance(30 * time.Second)
	}
	clk.Set(now0)

	db, err := sellerdb.Open(ctx, sellerdb.Config{DSN: filepath.Join(t.TempDir(), "seller.db"), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cps := &reconcile.MemCheckpoints{}
	cfg := config(clk, reconcile.SDKPlatform{Client: env.client, Sessions: sessions{meta.DemoSeller: meta.DemoSession}}, db, cps, meta.DemoSeller)
	cfg.Start = now0.Add(-3 * time.Hour)
	cfg.SweepEvery, cfg.SweepWindow, cfg.Horizon = time.Minute, time.Hour, 4*time.Hour
	r := mustNew(t, cfg)
	if err := r.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	assertStoredVersions(t, env.trades, db, tids)
	if st := r.Stats(); st.Missing != int64(len(tids)) || st.Repaired != int64(len(tids)) || st.Pages < 4 {
		t.Fatalf("first run: %+v", st)
	}

	// The platform moves on; rows vanish and change behind the worker's back.
	for _, tid := range tids[:5] {
		if _, err := env.trades.Apply(ctx, tid, backend.Event{Kind: backend.EventPay}); err != nil {
			t.Fatal(err)
		}
	}
	sq := sqliteDB{db}
	sq.remove(t, tids[10])
	sq.alter(t, tids[100])
	sq.remove(t, tids[200])
	for range 6 {
		clk.Advance(time.Minute)
		if err := r.Pass(ctx); err != nil {
			t.Fatal(err)
		}
	}
	assertStoredVersions(t, env.trades, db, tids)
	// The paid orders' rows hold a modified two hours back, outside the
	// window their new version is in: counted missing (absent from the
	// window), repaired by the guarded write like any stale row.
	if st := r.Stats(); st.Missing != int64(len(tids))+2+5 || st.Altered != 1 || st.Repaired != int64(len(tids))+8 || st.APIErrors != 0 {
		t.Fatalf("after the damage: %+v", st)
	}
}

// assertStoredVersions checks each row against the trade centre: same
// modified, and jdp_response byte-equal to the stored version.
func assertStoredVersions(t *testing.T, tc *backend.TradeCentre, db *sellerdb.DB, tids []int64) {
	t.Helper()
	for _, tid := range tids {
		v, err := tc.Get(context.Background(), tid)
		if err != nil {
			t.Fatal(err)
		}
		var js, hash string
		if err := db.SQL().QueryRow(`SELECT jdp_response, jdp_hashcode FROM jdp_tb_trade WHERE tid = ?`, tid).Scan(&js, &hash); err != nil {
			t.Fatalf("tid %d: %v", tid, err)
		}
		if js != string(v.Doc) || hash != sellerdb.Hash(v.Doc) {
			t.Fatalf("tid %d: stored %.80s... (hash %s), platform %.80s... (hash %s)", tid, js, hash, v.Doc, sellerdb.Hash(v.Doc))
		}
	}
}
