package push

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
)

func TestOwnershipIsStableAndSpread(t *testing.T) {
	nodes := []string{"push-0", "push-1", "push-2"}
	count := map[string]int{}
	for i := range 3000 {
		app := "app-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + url.PathEscape(string(rune(i)))
		o := OwnerOf(nodes, app)
		if o != OwnerOf(slices.Clone(nodes), app) {
			t.Fatal("ownership is not a function of the node list")
		}
		count[o]++
	}
	for _, n := range nodes {
		if count[n] < 700 {
			t.Errorf("node %s owns only %d of 3000 apps: %v", n, count[n], count)
		}
	}
	// Adding a node moves only the apps it takes.
	moved := 0
	for i := range 3000 {
		app := "app-" + string(rune('a'+i%26)) + url.PathEscape(string(rune(i)))
		before, after := OwnerOf(nodes, app), OwnerOf(append(slices.Clone(nodes), "push-3"), app)
		if before != after {
			if after != "push-3" {
				t.Fatalf("%s moved from %s to %s, not to the new node", app, before, after)
			}
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("the new node took nothing")
	}
}

// The registry: a node publishes which queues of each owner it holds;
// owners see them, and a dead holder's entries expire.
func TestHolderRegistryExpires(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(epoch)
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	nodes := []string{"push-0", "push-1"}
	app := "a1"
	owner := OwnerOf(nodes, app)
	holder := "push-0"
	if owner == holder {
		holder = "push-1"
	}
	q := QueueName(app, "default")
	h := newCluster(holder, nodes, nodeInfo{URL: "http://h"}, co, fake, nil, time.Second)
	o := newCluster(owner, nodes, nodeInfo{URL: "http://o"}, co, fake, nil, time.Second)
	published := map[string]bool{}
	if err := h.publish(ctx, []string{q}, published); err != nil {
		t.Fatal(err)
	}
	if err := o.refreshHolders(ctx); err != nil {
		t.Fatal(err)
	}
	if got := o.remoteHolders(q); !slices.Equal(got, []string{holder}) {
		t.Fatalf("holders %v, want [%s]", got, holder)
	}
	if p, err := o.peer(ctx, holder); err != nil || p.URL != "http://h" {
		t.Fatalf("peer: %+v %v", p, err)
	}
	// The holder dies: no more heartbeats; after the TTL its entries are gone.
	fake.Advance(6 * time.Second)
	o.refreshHolders(ctx)
	if got := o.remoteHolders(q); len(got) != 0 {
		t.Fatalf("a dead holder is still registered: %v", got)
	}
	// A holder that stops holding leaves at once.
	h.publish(ctx, []string{q}, published)
	o.refreshHolders(ctx)
	h.publish(ctx, nil, published)
	o.mu.Lock()
	o.holders = map[string]map[string]time.Time{} // forget direct announcements
	o.mu.Unlock()
	o.refreshHolders(ctx)
	if got := o.remoteHolders(q); len(got) != 0 {
		t.Fatalf("a holder that left is still registered: %v", got)
	}
}
