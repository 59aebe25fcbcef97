package meta_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/testenv"
)

// storeSuite runs the same behaviour against every Store implementation.
func storeSuite(t *testing.T, s meta.Store) {
	ctx := context.Background()
	app := meta.App{Key: "10000001", Secret: "toplab-demo-secret", Status: meta.AppActive, Packages: []string{"trade"}}
	v1, err := meta.Put(ctx, s, app)
	if err != nil {
		t.Fatal(err)
	}
	app.Status = meta.AppDisabled
	v2, err := meta.Put(ctx, s, app)
	if err != nil || v2 != v1+1 {
		t.Fatalf("second put version = %d (%v), want %d", v2, err, v1+1)
	}
	got, err := meta.Get[meta.App](ctx, s, "10000001")
	if err != nil || got.Status != meta.AppDisabled || got.Secret != app.Secret {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := meta.Get[meta.App](ctx, s, "nope"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("missing app: %v", err)
	}
	if _, err := meta.Put(ctx, s, meta.App{Key: "bad key!", Secret: "x"}); err == nil {
		t.Fatal("invalid app stored")
	}

	// Bulk seeding and paging past one page.
	var sessions []meta.Session
	for i := range 2500 {
		sessions = append(sessions, meta.Session{Key: fmt.Sprintf("s%05d", i), AppKey: "10000001", UserID: int64(i + 1),
			UserNick: fmt.Sprintf("seller_%d", i), Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	recs, err := meta.Encode(sessions)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutMany(ctx, recs); err != nil {
		t.Fatal(err)
	}
	all, err := meta.All[meta.Session](ctx, s)
	if err != nil || len(all) != 2500 || all[2499].Key != "s02499" || all[0].UserNick != "seller_0" {
		t.Fatalf("All sessions: %d, %v", len(all), err)
	}
	if err := s.Delete(ctx, meta.KindSession, "s00000"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, meta.KindSession, "s00000"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// Kinds do not collide on ids.
	if _, err := meta.Put(ctx, s, meta.Producer{AppKey: "10000001", Topics: []string{"taobao_trade_TradeCreate"}}); err != nil {
		t.Fatal(err)
	}
	if a, err := meta.Get[meta.App](ctx, s, "10000001"); err != nil || a.Key != "10000001" {
		t.Fatalf("app overwritten by producer of the same id: %+v %v", a, err)
	}
	// A nick may be non-ASCII.
	if _, err := meta.Put(ctx, s, meta.TopicPermit{AppKey: "10000001", Seller: "淘宝店铺", Topics: []string{"taobao_trade_TradeCreate"}}); err != nil {
		t.Fatal(err)
	}
	p, err := meta.Get[meta.TopicPermit](ctx, s, meta.PermitID("10000001", "淘宝店铺"))
	if err != nil || p.Seller != "淘宝店铺" {
		t.Fatalf("permit = %+v, %v", p, err)
	}
}

func TestSQLiteStore(t *testing.T) {
	s, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storeSuite(t, s)
}

func TestMariaDBStore(t *testing.T) {
	db := testenv.MariaDB(t)
	s, err := meta.OpenMySQL(db.DSN, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storeSuite(t, s)
}
