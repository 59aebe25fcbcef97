package metacache_test

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// The message service's per-message lookups (producers, topics) are cached
// and refreshed by change notices like the gateway's, and OnChange tells
// index builders (the router's permits and subscriptions) about changes.
func TestMessagingObjectsFollowChangeNotices(t *testing.T) {
	ctx := t.Context()
	fake := clock.NewFake(epoch)
	st := newStore(t)
	meta.Put(ctx, st, meta.Producer{AppKey: "p1", Topics: []string{"t1"}})
	meta.Put(ctx, st, meta.Topic{Name: "t1", Fields: map[string]int{"x": 1}})
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	c := newCache(t, metacache.Config{Store: st, Coord: co, Clock: fake})
	var subChanges, permitChanges atomic.Int32
	c.OnChange(meta.KindSubscription, func(id string) {
		if id == "a1" {
			subChanges.Add(1)
		}
	})
	c.OnChange(meta.KindTopicPermit, func(id string) {
		if id == meta.PermitID("a1", "s1") {
			permitChanges.Add(1)
		}
	})
	if p, err := c.Producer(ctx, "p1"); err != nil || !p.MayPublish("t1") || p.MayPublish("t2") {
		t.Fatalf("producer: %+v %v", p, err)
	}
	if _, err := c.Producer(ctx, "nobody"); err == nil {
		t.Fatal("a missing producer was found")
	}
	if tp, err := c.Topic(ctx, "t1"); err != nil || tp.Fields["x"] != 1 {
		t.Fatalf("topic: %+v %v", tp, err)
	}

	meta.Put(ctx, st, meta.Producer{AppKey: "p1", Topics: []string{"t2"}})
	for _, ch := range []metacache.Change{{Kind: meta.KindProducer, ID: "p1"}, {Kind: meta.KindTopicPermit, ID: meta.PermitID("a1", "s1")},
		{Kind: meta.KindSubscription, ID: "a1"}} {
		if err := metacache.Announce(ctx, co, nil, "", ch.Kind, ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	fake.Advance(100 * time.Millisecond)
	eventually(t, "the new producer right", func() bool {
		p, _ := c.Producer(ctx, "p1")
		return p.MayPublish("t2") && !p.MayPublish("t1")
	})
	eventually(t, "the OnChange calls", func() bool { return subChanges.Load() == 1 && permitChanges.Load() == 1 })
}
