package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/meta"
)

// seedDemo writes the demo tenant into the metadata store in dir before the
// gateway starts (so its Bloom filter knows the demo app and session).
func seedDemo(ctx context.Context, dir string) error {
	objs := append(meta.DemoTenant(time.Now()), meta.DemoMessaging()...)
	objs = append(objs, meta.SyncTenant(time.Now(), demoSyncSellers(), nil)...)
	if err := seedObjects(ctx, dir, objs); err != nil {
		return fmt.Errorf("seed demo tenant: %w", err)
	}
	return nil
}

// demoSyncSellers are the sellers `toplab up`'s sync workers copy: the demo
// seller and the ones the backend seeds by default (seller_0001...).
func demoSyncSellers() []string {
	sellers := []string{meta.DemoSeller}
	for i := 1; i <= 10; i++ {
		sellers = append(sellers, fmt.Sprintf("seller_%04d", i))
	}
	return sellers
}

// seedObjects validates objs and writes them in bulk into the SQLite
// metadata store of dir (meta.db, shared by the local nodes).
func seedObjects(ctx context.Context, dir string, objs []meta.Object) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	recs, err := meta.Encode(objs)
	if err != nil {
		return err
	}
	st, err := meta.OpenSQLite(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.PutMany(ctx, recs)
}

const demoOrdersMarker = "demo-orders.done"

// seedDemoOrders creates n orders for demo_seller through the trade
// centre's internal API, once per data folder.
func seedDemoOrders(ctx context.Context, dir, backendURL string, n int) error {
	if n <= 0 {
		return nil
	}
	marker := filepath.Join(dir, demoOrdersMarker)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	var req struct {
		Trades []backend.NewTrade `json:"trades"`
	}
	for i := range n {
		req.Trades = append(req.Trades, backend.NewTrade{
			SellerNick: meta.DemoSeller, BuyerNick: fmt.Sprintf("buyer_%04d", i+1),
			Orders: []backend.NewOrder{{Title: fmt.Sprintf("demo item %d", i%5+1), Price: backend.Money(1999 + 100*i), Num: 1 + i%3}},
		})
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, backendURL+"/internal/trades/bulk", bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return fmt.Errorf("seed demo orders: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("seed demo orders: HTTP %d: %s", resp.StatusCode, b)
	}
	return os.WriteFile(marker, []byte(time.Now().Format(time.RFC3339)), 0o644)
}
