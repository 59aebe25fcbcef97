package tmcclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

func TestHandshakeIsSignedAndCarriesTheToken(t *testing.T) {
	clk := clock.NewFake(time.UnixMilli(1762790400123))
	tests := []struct {
		name      string
		group     string
		sdk       string
		wantGroup string
		wantSDK   string
	}{
		{"defaults", "", "", tmc.DefaultGroup, "toplab-go/" + Version},
		{"named group and sdk", "sync-workers", "isv-app/2.1", "sync-workers", "isv-app/2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPeer(t)
			p.ack = func(_ *tmc.Connect, signOK bool) tmc.ConnectAck {
				if !signOK {
					return tmc.ConnectAck{StatusCode: tmc.StatusUnauthorized}
				}
				return tmc.ConnectAck{Token: "token-" + tt.name}
			}
			c := newTestClient(t, p, nil, func(cfg *Config) {
				cfg.Clock, cfg.Group, cfg.SDK = clk, tt.group, tt.sdk
			})
			start(t, c)
			pc := p.next(t)
			h := pc.hello
			if !pc.signOK {
				t.Errorf("server could not verify the sign %q", h.Sign)
			}
			if h.AppKey != peerAppKey || h.Group != tt.wantGroup || h.SDK != tt.wantSDK {
				t.Errorf("connect = %+v, want app key %s, group %s, sdk %s", h, peerAppKey, tt.wantGroup, tt.wantSDK)
			}
			if h.Timestamp != clk.Now().UnixMilli() {
				t.Errorf("timestamp %d, want the clock's %d", h.Timestamp, clk.Now().UnixMilli())
			}
			// The first frame after the handshake is a pull with the token
			// (the peer checks every frame's token).
			select {
			case f := <-pc.frames:
				if k, _ := tmc.KindOf(f); k != tmc.KindPull || f.Token != "token-"+tt.name {
					t.Errorf("first frame: kind %v, token %q; want a pull with the token", k, f.Token)
				}
			case <-time.After(safety):
				t.Fatal("no pull after the handshake")
			}
			eventually(t, "connected, pull counted", func() bool { return c.Connected() && c.Stats().PullsSent == 1 })
			if s := c.Stats(); s.Connects != 1 || s.Reconnects != 0 || s.LastConnectErr != nil {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestConfirmFollowsTheHandlerResult(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) { testConfirmFollowsTheHandlerResult(t, inline) })
	}
}

func testConfirmFollowsTheHandlerResult(t *testing.T, inline bool) {
	p := newPeer(t)
	var mu sync.Mutex
	var seen []int64
	c := newTestClient(t, p, func(_ context.Context, m *tmc.Message) error {
		mu.Lock()
		seen = append(seen, m.ID)
		first := len(seen) <= 4
		mu.Unlock()
		switch {
		case m.ID == 2 && first:
			return errors.New("database down")
		case m.ID == 3:
			panic("handler bug")
		}
		return nil
	}, func(cfg *Config) { cfg.Inline = inline })
	start(t, c)
	pc := p.next(t)
	for id := int64(1); id <= 4; id++ {
		if err := pc.send(msg(id)); err != nil {
			t.Fatal(err)
		}
	}
	// One worker handles in order and the writer confirms in order: after 1
	// comes 4, so 2 (error) and 3 (panic) were never confirmed.
	if got := []int64{pc.nextConfirm(t), pc.nextConfirm(t)}; !slices.Equal(got, []int64{1, 4}) {
		t.Errorf("confirmed %v, want [1 4]", got)
	}
	mu.Lock()
	if !slices.Equal(seen, []int64{1, 2, 3, 4}) {
		t.Errorf("handler saw %v, want [1 2 3 4]", seen)
	}
	mu.Unlock()
	eventually(t, "confirms counted", func() bool { return c.Stats().ConfirmsSent == 2 })
	if s := c.Stats(); s.Received != 4 || s.Handled != 2 || s.HandlerErrors != 2 || s.Duplicates != 0 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}

	// A failed message comes back (the server resends): it is handled again,
	// not taken for a duplicate.
	if err := pc.send(msg(2)); err != nil {
		t.Fatal(err)
	}
	if got := pc.nextConfirm(t); got != 2 {
		t.Errorf("confirm %d, want 2", got)
	}
	if s := c.Stats(); s.Handled != 3 || s.Duplicates != 0 {
		t.Errorf("after the resend: stats %+v", s)
	}
}

// Inline, the handler runs on the reader: while it runs, nothing more is
// read (no queue in between), and a resend of a handled id is confirmed from
// the reader without a second call.
func TestInlineHandlesOnTheReader(t *testing.T) {
	p := newPeer(t)
	gate := make(chan struct{})
	var calls atomic.Int64
	c := newTestClient(t, p, func(_ context.Context, m *tmc.Message) error {
		calls.Add(1)
		if m.ID == 1 {
			<-gate
		}
		return nil
	}, func(cfg *Config) { cfg.Inline = true })
	start(t, c)
	pc := p.next(t)
	for id := int64(1); id <= 3; id++ {
		if err := pc.send(msg(id)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "message 1 in the handler", func() bool { return calls.Load() == 1 })
	time.Sleep(20 * time.Millisecond)
	if s := c.Stats(); s.Received != 1 {
		t.Fatalf("received %d while the inline handler blocked, want 1", s.Received)
	}
	close(gate)
	if got := []int64{pc.nextConfirm(t), pc.nextConfirm(t), pc.nextConfirm(t)}; !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("confirmed %v, want [1 2 3]", got)
	}
	if err := pc.send(msg(2)); err != nil {
		t.Fatal(err)
	}
	if got := pc.nextConfirm(t); got != 2 {
		t.Fatalf("resend confirmed %d, want 2", got)
	}
	if s := c.Stats(); calls.Load() != 3 || s.Duplicates != 1 || s.ConfirmsSent != 4 {
		t.Fatalf("%d handler calls, stats %+v; want 3 calls, 1 duplicate, 4 confirms", calls.Load(), s)
	}
}

func TestDuplicatesAreConfirmedWithoutCallingTheHandler(t *testing.T) {
	p := newPeer(t)
	calls := map[int64]int{}
	var mu sync.Mutex
	gate := make(chan struct{})
	c := newTestClient(t, p, func(_ context.Context, m *tmc.Message) error {
		if m.ID == 8 {
			<-gate
		}
		mu.Lock()
		calls[m.ID]++
		mu.Unlock()
		return nil
	})
	start(t, c)
	pc := p.next(t)

	// A resend of a handled id: confirmed again, not handled again.
	for range 2 {
		if err := pc.send(msg(7)); err != nil {
			t.Fatal(err)
		}
		if got := pc.nextConfirm(t); got != 7 {
			t.Fatalf("confirm %d, want 7", got)
		}
	}
	// A resend of an id still being handled: dropped, the first copy's
	// confirm covers it.
	for range 2 {
		if err := pc.send(msg(8)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both copies of 8 received", func() bool { return c.Stats().Received == 4 })
	close(gate)
	if err := pc.send(msg(9)); err != nil {
		t.Fatal(err)
	}
	if got := []int64{pc.nextConfirm(t), pc.nextConfirm(t)}; !slices.Equal(got, []int64{8, 9}) {
		t.Errorf("confirmed %v, want [8 9]", got)
	}
	mu.Lock()
	if want := map[int64]int{7: 1, 8: 1, 9: 1}; len(calls) != 3 || calls[7] != 1 || calls[8] != 1 || calls[9] != 1 {
		t.Errorf("handler calls %v, want %v", calls, want)
	}
	mu.Unlock()
	eventually(t, "confirms counted", func() bool { return c.Stats().ConfirmsSent == 4 })
	if s := c.Stats(); s.Duplicates != 2 || s.Handled != 3 {
		t.Errorf("stats %+v, want 2 duplicates, 3 handled", s)
	}
}

func TestWorkersKeepTheOrderOfOneKey(t *testing.T) {
	p := newPeer(t)
	const workers, keys, perKey = 4, 8, 25
	var mu sync.Mutex
	got := map[int64][]int64{} // data id -> message ids in handling order
	var busy, most atomic.Int64
	c := newTestClient(t, p, func(_ context.Context, m *tmc.Message) error {
		n := busy.Add(1)
		defer busy.Add(-1)
		for {
			old := most.Load()
			if n <= old || most.CompareAndSwap(old, n) {
				break
			}
		}
		mu.Lock()
		got[m.DataID] = append(got[m.DataID], m.ID)
		mu.Unlock()
		return nil
	}, func(cfg *Config) { cfg.Workers = workers })
	start(t, c)
	pc := p.next(t)
	id := int64(0)
	for range perKey {
		for k := range int64(keys) {
			id++
			m := msg(id)
			m.DataID = k + 1
			if err := pc.send(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, "all handled", func() bool { return c.Stats().Handled == keys*perKey })
	mu.Lock()
	defer mu.Unlock()
	for k, ids := range got {
		if !slices.IsSorted(ids) || len(ids) != perKey {
			t.Errorf("data id %d handled as %v, want %d ids in arrival order", k, ids, perKey)
		}
	}
	if most.Load() > workers {
		t.Errorf("%d handlers ran at once, want at most %d", most.Load(), workers)
	}
}

func TestRunTwiceIsRefused(t *testing.T) {
	p := newPeer(t)
	c := newTestClient(t, p, nil)
	start(t, c)
	p.next(t)
	if err := c.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
}

func TestUnusableServerFramesAreSkipped(t *testing.T) {
	encode := func(f *tmc.Frame) []byte {
		b, err := tmc.AppendFrame(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	noTopic := msg(3).ToFrame()
	noTopic.Custom = slices.DeleteFunc(noTopic.Custom, func(h tmc.Header) bool { return h.Key == tmc.KeyTopic })
	tests := []struct {
		name string
		typ  int
		b    []byte
	}{
		{"garbage", websocket.BinaryMessage, []byte{0xde, 0xad, 0xbe, 0xef}},
		{"text message", websocket.TextMessage, []byte(`{"id":1}`)},
		{"confirm from the server", websocket.BinaryMessage, encode((&tmc.Confirm{Token: "t", ID: 1}).ToFrame())},
		{"second connectack", websocket.BinaryMessage, encode((&tmc.ConnectAck{Token: "t"}).ToFrame())},
		{"failed sendack", websocket.BinaryMessage, encode((&tmc.SendAck{Flag: 1, StatusCode: 500}).ToFrame())},
		{"message without topic", websocket.BinaryMessage, encode(noTopic)},
	}
	p := newPeer(t)
	var calls atomic.Int64
	c := newTestClient(t, p, func(context.Context, *tmc.Message) error { calls.Add(1); return nil })
	start(t, c)
	pc := p.next(t)
	for _, tt := range tests {
		if err := pc.sendRaw(tt.typ, tt.b); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	if err := pc.send(msg(4)); err != nil {
		t.Fatal(err)
	}
	if got := pc.nextConfirm(t); got != 4 {
		t.Errorf("confirm %d, want 4", got)
	}
	if s := c.Stats(); s.BadFrames != uint64(len(tests)) || s.Received != 1 || calls.Load() != 1 || s.Connects != 1 {
		t.Errorf("stats %+v, handler calls %d; want %d bad frames on one connection", s, calls.Load(), len(tests))
	}
}
