package push

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// A client on a node that does not own its app's queue gets the messages
// through the notification network, and its confirms reach the owner.
func TestClientOnAnotherNodeIsNotified(t *testing.T) {
	ids := []string{"push-0", "push-1"}
	tc := newTestCluster(t, clock.Real{}, ids...)
	nodes := map[string]*Node{}
	for _, id := range ids {
		nodes[id] = tc.start(id, nil)
	}
	app := "a1"
	ownerID, holderID := OwnerOf(ids, app), OwnerOf(ids, app) // the other one below
	for _, id := range ids {
		if id != ownerID {
			holderID = id
		}
	}
	owner, holder := nodes[ownerID], nodes[holderID]
	c := dialWS(t, holder)
	if ack := c.connect(app, secretOf(app), "", time.Now()); ack.Err() != nil {
		t.Fatal(ack.Err())
	}
	queue := QueueName(app, "default")
	eventually(t, "the owner to learn the holder", func() bool {
		hs := owner.cluster.remoteHolders(queue)
		return len(hs) == 1 && hs[0] == holderID
	})
	// Publish at either node: the message is stored at the owner and pushed by the holder.
	for i, via := range []*Node{holder, owner} {
		if _, err := via.Publish(context.Background(), []Message{msgFor("t1", "small", int64(100+i), tc.clock)}); err != nil {
			t.Fatal(err)
		}
		m := c.readMessage()
		if m.DataID != int64(100+i) {
			t.Fatalf("got %+v", m)
		}
		if owner.owner.Backlog(queue) != 1 || holder.st.PendingCount(queue) != 0 {
			t.Fatal("the message must be stored at its owner only")
		}
		c.confirm(m.ID)
		eventually(t, "the confirm to reach the owner", func() bool { return owner.owner.Backlog(queue) == 0 })
	}
	if owner.notifier.Sent.Load() == 0 {
		t.Fatal("no notification was sent")
	}
}

// While a queue's owner is down, publishes for it fail (the producer
// retries) and nothing is stored elsewhere; when it is back, its stored
// messages reach the clients of the other node.
func TestOwnerDownThenBack(t *testing.T) {
	ids := []string{"push-0", "push-1"}
	tc := newTestCluster(t, clock.Real{}, ids...)
	app := "a1"
	ownerID, holderID := OwnerOf(ids, app), "push-0"
	if ownerID == holderID {
		holderID = "push-1"
	}
	holder := tc.start(holderID, nil)
	owner := tc.start(ownerID, nil)
	ctx := context.Background()
	if _, err := holder.Publish(ctx, []Message{msgFor("t1", "small", 1, tc.clock)}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	owner.Close(cctx)
	cancel()
	if _, err := holder.Publish(ctx, []Message{msgFor("t1", "small", 2, tc.clock)}); err == nil {
		t.Fatal("a publish for a down owner's queue succeeded")
	}
	// The owner comes back on the same store.
	owner = tc.start(ownerID, nil)
	c := dialWS(t, holder)
	c.connect(app, secretOf(app), "", time.Now())
	if m := c.readMessage(); m.DataID != 1 {
		t.Fatalf("after the owner's restart got %+v", m)
	}
	_ = owner
}
