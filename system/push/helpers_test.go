package push

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

var epoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

// newMeta opens a SQLite metadata store with objs and a cache over it.
func newMeta(t testing.TB, c clock.Clock, objs ...meta.Object) (meta.Store, *metacache.Cache) {
	return newMetaWith(t, c, nil, objs...)
}

// newMetaWith is newMeta with the cache following co's change notices.
func newMetaWith(t testing.TB, c clock.Clock, co coord.Coord, objs ...meta.Object) (meta.Store, *metacache.Cache) {
	t.Helper()
	st, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, o := range objs {
		if _, err := meta.Put(context.Background(), st, o); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := metacache.New(context.Background(), metacache.Config{Store: st, Clock: c, Coord: co})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	return st, cache
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// tenant is a small routing setup: app a1 subscribes t1 and t2 with field
// level 1 and a group "hot" for seller "big"; app a2 subscribes t1 only;
// producer p may publish t1 and t2.
func tenant() []meta.Object {
	return []meta.Object{
		meta.App{Key: "a1", Secret: "secret-a1", Status: meta.AppActive},
		meta.App{Key: "a2", Secret: "secret-a2", Status: meta.AppActive},
		meta.Topic{Name: "t1", Fields: map[string]int{"tid": 0, "payment": 1, "buyer_nick": 2}},
		meta.Topic{Name: "t2"},
		meta.Topic{Name: "t3"},
		meta.Producer{AppKey: "p", Topics: []string{"t1", "t2"}},
		meta.Subscription{AppKey: "a1", Topics: []string{"t1", "t2"}, FieldLevel: 1,
			Groups: []meta.MessageGroup{{Name: "hot", Sellers: []string{"big"}}}},
		meta.Subscription{AppKey: "a2", Topics: []string{"t1"}, FieldLevel: 2},
		meta.TopicPermit{AppKey: "a1", Seller: "small"},
		meta.TopicPermit{AppKey: "a1", Seller: "big"},
		meta.TopicPermit{AppKey: "a2", Seller: "small", Topics: []string{"t1"}},
	}
}
