package push

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/system/top"
)

func TestPushDeliversTrimmedMessageAndTakesConfirms(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	c := dialWS(t, n)
	if ack := c.connect("a1", secretOf("a1"), "", time.Now()); ack.Err() != nil || ack.Token == "" {
		t.Fatalf("connect: %+v", ack)
	}
	published := msgFor("t1", "small", 42, tc.clock)
	routed, err := n.Publish(context.Background(), []Message{published})
	if err != nil || routed != 2 { // a1/default and a2/default
		t.Fatalf("publish: %d %v", routed, err)
	}
	m := c.readMessage()
	if m.Topic != "t1" || m.Nick != "small" || m.DataID != 42 || m.Publisher != "p" || m.PubTime.UnixMilli() != published.PubTimeMs {
		t.Fatalf("message: %+v", m)
	}
	if strings.Contains(m.Content, "buyer_nick") || !strings.Contains(m.Content, "payment") {
		t.Fatalf("content not trimmed to a1's level 1: %s", m.Content)
	}
	if m.OutTime.IsZero() || m.OutTime.Before(m.PubTime) {
		t.Fatalf("outtime %v", m.OutTime)
	}
	if n.owner.Backlog("a1/default") != 1 {
		t.Fatal("the message must stay stored until confirmed")
	}
	c.confirm(m.ID)
	eventually(t, "the confirm to reach the store", func() bool { return n.owner.Backlog("a1/default") == 0 })
	if n.owner.Backlog("a2/default") != 1 {
		t.Fatal("a2's copy must wait for a2")
	}
	// The lease loops and the confirm flush ran on the hub's workers.
	if handed, spawned := n.hub.pool.Counts(); handed+spawned < 2 || handed == 0 {
		t.Fatalf("hub pool: %d callbacks on workers, %d on goroutines of their own", handed, spawned)
	}
}

// Messages stored before a client connects are pushed when it connects.
func TestBacklogIsPushedOnConnect(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	for i := range 5 {
		if _, err := n.Publish(context.Background(), []Message{msgFor("t2", "small", int64(i), tc.clock)}); err != nil {
			t.Fatal(err)
		}
	}
	c := dialWS(t, n)
	c.connect("a1", secretOf("a1"), "default", time.Now())
	seen := map[int64]bool{}
	for range 5 {
		seen[c.readMessage().DataID] = true
	}
	if len(seen) != 5 {
		t.Fatalf("got %v", seen)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", func(c *Config) { c.MaxSessions = 1 })
	now := time.Now()
	for _, tt := range []struct {
		name               string
		app, secret, group string
		at                 time.Time
		status             int32
	}{
		{"bad sign", "a1", "wrong-secret", "", now, StatusUnauthorized},
		{"unknown app", "nobody", "whatever", "", now, StatusUnauthorized},
		{"stale timestamp", "a1", secretOf("a1"), "", now.Add(-11 * time.Minute), StatusUnauthorized},
		{"unknown group", "a1", secretOf("a1"), "cold", now, StatusBadRequest},
	} {
		c := dialWS(t, n)
		ack := c.connect(tt.app, tt.secret, tt.group, tt.at)
		if ack.StatusCode != tt.status || ack.Token != "" {
			t.Errorf("%s: got %+v, want status %d", tt.name, ack, tt.status)
		}
		if _, err := c.read(); err == nil {
			t.Errorf("%s: the connection stayed open after a refused handshake", tt.name)
		}
	}
	// A SEND before CONNECT.
	c := dialWS(t, n)
	c.send((&tmc.Pull{Token: "x"}).ToFrame())
	ack := new(tmc.ConnectAck)
	if err := ack.ReadFrame(c.mustRead()); err != nil || ack.StatusCode != StatusBadRequest {
		t.Errorf("SEND first: %+v %v", ack, err)
	}
	// The node takes one session; the second is refused as saturated.
	first := dialWS(t, n)
	if ack := first.connect("a1", secretOf("a1"), "", now); ack.Err() != nil {
		t.Fatal(ack.Err())
	}
	second := dialWS(t, n)
	if ack := second.connect("a2", secretOf("a2"), "", now); ack.StatusCode != StatusSaturated {
		t.Errorf("saturated: %+v", ack)
	}
	if n.hub.stats.Refused.Load() != 1 {
		t.Error("refusal not counted")
	}
}

func TestBadFramesAfterHandshake(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	c := dialWS(t, n)
	c.connect("a1", secretOf("a1"), "", time.Now())
	// Unknown kind asking for an answer (a flag): an error status, the session goes on.
	f := &tmc.Frame{Type: tmc.MsgSend, Token: c.token, Flag: 7, Has: tmc.HasToken | tmc.HasFlag}
	f.Set("__kind", tmc.Byte(9))
	c.send(f)
	ack := new(tmc.SendAck)
	if err := ack.ReadFrame(c.mustRead()); err != nil || ack.StatusCode != StatusBadRequest || ack.Flag != 7 {
		t.Fatalf("unknown kind: %+v %v", ack, err)
	}
	// A confirm of an id never delivered: counted, harmless.
	c.confirm(987654321)
	eventually(t, "the unknown confirm counted", func() bool { return n.hub.stats.ConfirmsUnknown.Load() == 1 })
	n.Publish(context.Background(), []Message{msgFor("t1", "small", 1, tc.clock)})
	if m := c.readMessage(); m.DataID != 1 {
		t.Fatalf("after bad frames: %+v", m)
	}
	// A wrong token ends the session, with the reason.
	c.send((&tmc.Confirm{Token: "forged", ID: 1}).ToFrame())
	_, err := c.read()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 1008 || ce.Text != "invalid token" {
		t.Fatalf("forged token: got %v, want close 1008 invalid token", err)
	}
	// Unknown kind without a flag: nothing to answer to, so the connection closes.
	c2 := dialWS(t, n)
	c2.connect("a1", secretOf("a1"), "", time.Now())
	f = &tmc.Frame{Type: tmc.MsgSend, Token: c2.token, Has: tmc.HasToken}
	f.Set("__kind", tmc.Byte(9))
	c2.send(f)
	for { // the message c left unconfirmed may come first
		if _, err = c2.read(); err != nil {
			break
		}
	}
	if !errors.As(err, &ce) || ce.Code != 1008 {
		t.Fatalf("unknown kind without flag: %v", err)
	}
}

// A client that does not confirm gets its messages again after the ack
// timeout, and a full in-flight window does not hold the redelivery up.
func TestRedeliveryAfterAckTimeoutWithFullWindow(t *testing.T) {
	fake := clock.NewFake(time.Now())
	tc := newTestCluster(t, fake, "push-0")
	n := tc.start("push-0", func(c *Config) {
		c.Window = 2
		c.Delivery = DeliveryConfig{AckTimeout: 10 * time.Second}
	})
	c := dialWS(t, n)
	c.connect("a1", secretOf("a1"), "", fake.Now())
	for i := range 3 {
		n.Publish(context.Background(), []Message{msgFor("t2", "small", int64(i+1), fake)})
	}
	first := []*tmc.Message{c.readMessage(), c.readMessage()}
	// The window is full: the third waits.
	c.pull()
	c.ws.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, _, err := c.ws.ReadMessage(); err == nil {
		t.Fatal("a message beyond the window was pushed")
	}
	c.ws.Close()
	c = dialWS(t, n) // gorilla cannot read after a deadline error: a new connection, same app
	eventually(t, "the first session to end", func() bool { return n.hub.stats.Sessions.Load() == 0 })
	c.connect("a1", secretOf("a1"), "", fake.Now())
	// The first connection's close released its two unconfirmed messages at
	// once; the new one gets them again (window 2), not the third.
	got := map[int64]bool{}
	for range 2 {
		m := c.readMessage()
		got[m.ID] = true
	}
	if !got[first[0].ID] || !got[first[1].ID] {
		t.Fatalf("after release got %v, want %d and %d", got, first[0].ID, first[1].ID)
	}
	// Now no confirm: after the ack timeout both come again although the
	// window is full of them. (The third may slip into a slot freed between
	// the two expiries; confirming it frees the slot for the other.)
	fake.Advance(10 * time.Second)
	again, third := map[int64]bool{}, false
	for len(again) < 2 {
		m := c.readMessage()
		switch m.ID {
		case first[0].ID, first[1].ID:
			again[m.ID] = true
		default:
			if m.DataID != 3 || third {
				t.Fatalf("unexpected %+v", m)
			}
			third = true
			c.confirm(m.ID)
		}
	}
	c.confirm(first[0].ID)
	c.confirm(first[1].ID)
	if !third {
		if m := c.readMessage(); m.DataID != 3 {
			t.Fatalf("after the confirms the third should come, got %+v", m)
		}
	}
}

func TestPublishErrors(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	m := msgFor("t1", "small", 1, tc.clock)
	m.Publisher = "a1"
	_, err := n.Publish(context.Background(), []Message{m})
	var te *top.Error
	if !errors.As(err, &te) || te.SubCode != "isv.publish-not-permitted" {
		t.Fatalf("got %v", err)
	}
}

// A full store refuses new publishes with a clear error and keeps every
// message it acknowledged before.
func TestFullStoreRefusesPublishesAndKeepsAcknowledged(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", func(c *Config) {
		c.Store.MaxBytes = 256 << 10
		c.Store.MinFreeBytes = -1
	})
	big := `{"pad":"` + strings.Repeat("x", 8<<10) + `"}`
	acked := 0
	var err error
	for i := range 1000 {
		m := msgFor("t2", "small", int64(i), tc.clock)
		m.Content = []byte(big)
		if _, err = n.Publish(context.Background(), []Message{m}); err != nil {
			break
		}
		acked++
	}
	var te *top.Error
	if !errors.As(err, &te) || te.SubCode != "isp.message-store-full" || te.Code != top.CodeServiceUnavailable {
		t.Fatalf("after %d publishes: %v, want isp.message-store-full", acked, err)
	}
	if acked == 0 || n.owner.Backlog("a1/default") != acked {
		t.Fatalf("acknowledged %d, stored %d", acked, n.owner.Backlog("a1/default"))
	}
	c := dialWS(t, n)
	c.connect("a1", secretOf("a1"), "", time.Now())
	for i := range min(acked, 64) { // one window; the rest wait in the store
		if m := c.readMessage(); m.DataID != int64(i) {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
}

// A group with a seller filter gets that seller's messages; the default
// group gets the others.
func TestSellerFilteredGroup(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	hot, rest := dialWS(t, n), dialWS(t, n)
	if ack := hot.connect("a1", secretOf("a1"), "hot", time.Now()); ack.Err() != nil {
		t.Fatal(ack.Err())
	}
	rest.connect("a1", secretOf("a1"), "", time.Now())
	n.Publish(context.Background(), []Message{msgFor("t2", "big", 1, tc.clock), msgFor("t2", "small", 2, tc.clock)})
	if m := hot.readMessage(); m.Nick != "big" || m.DataID != 1 {
		t.Fatalf("hot group got %+v", m)
	}
	if m := rest.readMessage(); m.Nick != "small" || m.DataID != 2 {
		t.Fatalf("default group got %+v", m)
	}
}
