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

// The message service's objects are cached and refreshed by change notices
// like the gateway's, and OnChange tells index builders about them.
func TestMessagingObjectsFollowChangeNotices(t *testing.T) {
	ctx := t.Context()
	fake := clock.NewFake(epoch)
	st := newStore(t)
	meta.Put(ctx, st, meta.TopicPermit{AppKey: "a1", Seller: "s1", Topics: []string{"t1"}})
	meta.Put(ctx, st, meta.Subscription{AppKey: "a1", Topics: []string{"t1"}})
	meta.Put(ctx, st, meta.Producer{AppKey: "p1", Topics: []string{"t1"}})
	meta.Put(ctx, st, meta.Topic{Name: "t1", Fields: map[string]int{"x": 1}})
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	c := newCache(t, metacache.Config{Store: st, Coord: co, Clock: fake})
	var subChanges atomic.Int32
	c.OnChange(meta.KindSubscription, func(id string) {
		if id == "a1" {
			subChanges.Add(1)
		}
	})
	if p, err := c.Permit(ctx, "a1", "s1"); err != nil || !p.PermitsTopic("t1") || p.PermitsTopic("t2") {
		t.Fatalf("permit: %+v %v", p, err)
	}
	if _, err := c.Permit(ctx, "a1", "nobody"); err == nil {
		t.Fatal("a missing permit was found")
	}
	if p, err := c.Producer(ctx, "p1"); err != nil || !p.MayPublish("t1") {
		t.Fatalf("producer: %+v %v", p, err)
	}
	if tp, err := c.Topic(ctx, "t1"); err != nil || tp.Fields["x"] != 1 {
		t.Fatalf("topic: %+v %v", tp, err)
	}
	if s, err := c.Subscription(ctx, "a1"); err != nil || !s.Subscribes("t1") {
		t.Fatalf("subscription: %+v %v", s, err)
	}

	meta.Put(ctx, st, meta.TopicPermit{AppKey: "a1", Seller: "s1", Topics: []string{"t2"}})
	meta.Put(ctx, st, meta.Subscription{AppKey: "a1", Topics: []string{"t2"}})
	for _, ch := range []metacache.Change{{Kind: meta.KindTopicPermit, ID: meta.PermitID("a1", "s1")}, {Kind: meta.KindSubscription, ID: "a1"}} {
		if err := metacache.Announce(ctx, co, nil, "", ch.Kind, ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	fake.Advance(100 * time.Millisecond)
	eventually(t, "the new permit", func() bool {
		p, _ := c.Permit(ctx, "a1", "s1")
		return p.PermitsTopic("t2") && !p.PermitsTopic("t1")
	})
	eventually(t, "the new subscription and its OnChange call", func() bool {
		s, _ := c.Subscription(ctx, "a1")
		return s.Subscribes("t2") && subChanges.Load() == 1
	})
}
