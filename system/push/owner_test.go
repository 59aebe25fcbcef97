package push

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/push/store"
)

type notices struct {
	mu sync.Mutex
	n  map[string]int
}

func (n *notices) note(q string) { n.mu.Lock(); n.n[q]++; n.mu.Unlock() }
func (n *notices) count(q string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.n[q]
}

func newOwner(t *testing.T, dir string, c clock.Clock, cfg DeliveryConfig) (*Owner, *notices) {
	t.Helper()
	st, err := store.Open(dir, store.Config{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	ns := &notices{n: map[string]int{}}
	o := NewOwner(st, cfg, c, nil, ns.note)
	t.Cleanup(func() { o.Close(); st.Close() })
	return o, ns
}

func deliveries(queue string, n int) []Delivery {
	ds := make([]Delivery, n)
	for i := range ds {
		ds[i] = Delivery{Queue: queue, Msg: Message{Topic: "t1", Content: []byte(`{}`), DataID: int64(i + 1), PubTimeMs: epoch.UnixMilli()}}
	}
	return ds
}

func ids(ls []Leased) []int64 {
	out := make([]int64, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func TestOwnerLeaseConfirmAndRedeliver(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(epoch)
	o, ns := newOwner(t, t.TempDir(), fake, DeliveryConfig{AckTimeout: 10 * time.Second, MaxBackoff: time.Minute, MaxAttempts: 4})
	if err := o.Append(ctx, deliveries("a1/default", 3)); err != nil {
		t.Fatal(err)
	}
	if ns.count("a1/default") != 1 {
		t.Fatalf("one append must notify its queue once, got %d", ns.count("a1/default"))
	}
	first, _ := o.Lease(ctx, "a1/default", 10, 0)
	if len(first) != 3 || first[0].Attempt != 1 || first[0].Deadline != epoch.Add(10*time.Second).UnixMilli() {
		t.Fatalf("first lease: %+v", first)
	}
	if again, _ := o.Lease(ctx, "a1/default", 10, 0); len(again) != 0 {
		t.Fatalf("leased messages were handed out twice before their deadline: %v", ids(again))
	}
	if n, err := o.Confirm(ctx, "a1/default", []int64{first[0].ID}); err != nil || n != 1 {
		t.Fatalf("confirm: %d %v", n, err)
	}
	if n, _ := o.Confirm(ctx, "a2/default", []int64{first[1].ID}); n != 0 {
		t.Fatal("another queue's confirm counted")
	}
	// The ack timeout passes: the two unconfirmed come back at once (attempt 2).
	fake.Advance(10 * time.Second)
	eventually(t, "redelivery notice", func() bool { return ns.count("a1/default") >= 2 })
	second, _ := o.Lease(ctx, "a1/default", 10, 0)
	if !slices.Equal(ids(second), ids(first[1:])) || second[0].Attempt != 2 {
		t.Fatalf("redelivery: %+v, want ids %v at attempt 2", second, ids(first[1:]))
	}
	// Attempt 3 waits a further ack timeout after attempt 2's deadline.
	fake.Advance(10 * time.Second)
	eventually(t, "lease expiry", func() bool { return o.Expired.Load() == 4 })
	if l, _ := o.Lease(ctx, "a1/default", 10, 0); len(l) != 0 {
		t.Fatalf("attempt 3 came without backoff: %v", ids(l))
	}
	fake.Advance(10 * time.Second)
	eventually(t, "backoff end notice", func() bool { return ns.count("a1/default") >= 3 })
	third, _ := o.Lease(ctx, "a1/default", 10, 0)
	if len(third) != 2 || third[0].Attempt != 3 {
		t.Fatalf("third delivery: %+v", third)
	}
	o.Confirm(ctx, "a1/default", []int64{third[0].ID})
	// The last one uses up its attempts: 3 -> (20 s backoff) 4 -> left undelivered.
	fake.Advance(10 * time.Second)
	eventually(t, "the third lease to expire", func() bool { return o.Expired.Load() == 5 })
	fake.Advance(20 * time.Second)
	eventually(t, "attempt 4", func() bool {
		l, _ := o.Lease(ctx, "a1/default", 10, 0)
		return len(l) == 1 && l[0].Attempt == 4
	})
	fake.Advance(10 * time.Second)
	eventually(t, "undelivered", func() bool { return o.Undelivered.Load() == 1 })
	fake.Advance(time.Hour)
	if l, _ := o.Lease(ctx, "a1/default", 10, 0); len(l) != 0 {
		t.Fatalf("a message past its attempts was delivered again: %v", ids(l))
	}
	if o.Backlog("a1/default") != 1 {
		t.Fatalf("the undelivered message must stay stored until retention, backlog %d", o.Backlog("a1/default"))
	}
}

func TestOwnerReleaseRedeliversAtOnce(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(epoch)
	o, _ := newOwner(t, t.TempDir(), fake, DeliveryConfig{})
	o.Append(ctx, deliveries("q/default", 2))
	l, _ := o.Lease(ctx, "q/default", 10, 0)
	o.Release("q/default", ids(l))
	again, _ := o.Lease(ctx, "q/default", 10, 0)
	if !slices.Equal(ids(again), ids(l)) || again[0].Attempt != 1 {
		t.Fatalf("released messages: %+v", again)
	}
}

func TestOwnerLongPollWakesOnAppend(t *testing.T) {
	ctx := context.Background()
	o, _ := newOwner(t, t.TempDir(), clock.Real{}, DeliveryConfig{})
	got := make(chan []Leased)
	go func() {
		l, _ := o.Lease(ctx, "q/default", 10, time.Minute)
		got <- l
	}()
	eventually(t, "the poll to wait", func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.queues["q/default"] != nil
	})
	o.Append(ctx, deliveries("q/default", 1))
	select {
	case l := <-got:
		if len(l) != 1 {
			t.Fatalf("long poll got %d", len(l))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not wake up")
	}
}

func TestOwnerLongPollEndsEmptyAfterWait(t *testing.T) {
	fake := clock.NewFake(epoch)
	o, _ := newOwner(t, t.TempDir(), fake, DeliveryConfig{})
	got := make(chan []Leased)
	go func() {
		l, _ := o.Lease(context.Background(), "q/default", 10, 5*time.Second)
		got <- l
	}()
	// Move the clock in small steps until the poll gives up: not before 5 s.
	for advanced := time.Duration(0); ; advanced += 100 * time.Millisecond {
		select {
		case l := <-got:
			if len(l) != 0 || advanced < 5*time.Second {
				t.Fatalf("the poll ended after %v with %v", advanced, l)
			}
			return
		case <-time.After(time.Millisecond):
			if advanced > time.Minute {
				t.Fatal("the poll never ended")
			}
			fake.Advance(100 * time.Millisecond)
		}
	}
}

// After a restart every unconfirmed message is delivered again; confirmed
// ones are not.
func TestOwnerRecoversUnconfirmedAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fake := clock.NewFake(epoch)
	st, err := store.Open(dir, store.Config{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	o := NewOwner(st, DeliveryConfig{}, fake, nil, func(string) {})
	o.Append(ctx, deliveries("q/default", 5))
	l, _ := o.Lease(ctx, "q/default", 10, 0)
	o.Confirm(ctx, "q/default", []int64{l[0].ID, l[2].ID})
	o.Close()
	st.Close()

	o2, _ := newOwner(t, dir, fake, DeliveryConfig{})
	l2, _ := o2.Lease(ctx, "q/default", 10, 0)
	if want := []int64{l[1].ID, l[3].ID, l[4].ID}; !slices.Equal(ids(l2), want) {
		t.Fatalf("after restart: %v, want %v", ids(l2), want)
	}
}

func TestBackoffSchedule(t *testing.T) {
	c := DeliveryConfig{AckTimeout: 10 * time.Second, MaxBackoff: time.Minute}
	want := map[int]time.Duration{1: 0, 2: 0, 3: 10 * time.Second, 4: 20 * time.Second, 5: 40 * time.Second, 6: time.Minute, 20: time.Minute}
	for attempt, d := range want {
		if got := c.backoff(attempt); got != d {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, d)
		}
	}
}
