package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/toplab/toplab/system/clock"
)

// Adaptable to otter's clock: the metadata cache's refresh is driven by it.
var _ otter.Clock = clock.Nano{}

var epoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

func TestFakeTimerFiresOnlyWhenAdvancedPastDeadline(t *testing.T) {
	f := clock.NewFake(epoch)
	tm := f.NewTimer(10 * time.Second)
	f.Advance(9 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("timer fired before its deadline")
	default:
	}
	f.Advance(time.Second)
	select {
	case got := <-tm.C():
		if want := epoch.Add(10 * time.Second); !got.Equal(want) {
			t.Fatalf("fired at %v, want %v", got, want)
		}
	default:
		t.Fatal("timer did not fire at its deadline")
	}
	if f.Waiters() != 0 {
		t.Fatalf("waiters = %d after a one-shot fired, want 0", f.Waiters())
	}
}

func TestFakeStopAndReset(t *testing.T) {
	f := clock.NewFake(epoch)
	tm := f.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	if tm.Stop() {
		t.Fatal("second Stop returned true")
	}
	f.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if tm.Reset(time.Minute) {
		t.Fatal("Reset of a stopped timer returned true")
	}
	f.Advance(time.Minute)
	select {
	case <-tm.C():
	default:
		t.Fatal("reset timer did not fire")
	}
}

func TestFakeTickerFiresEachPeriodInOrderWithAfterFunc(t *testing.T) {
	f := clock.NewFake(epoch)
	var mu sync.Mutex
	var order []string
	tk := f.NewTicker(2 * time.Second)
	f.AfterFunc(3*time.Second, func() {
		mu.Lock()
		order = append(order, "func@"+f.Since(epoch).String())
		mu.Unlock()
	})
	var ticks []time.Duration
	for range 3 {
		f.Advance(2 * time.Second)
		ticks = append(ticks, (<-tk.C()).Sub(epoch))
	}
	want := []time.Duration{2 * time.Second, 4 * time.Second, 6 * time.Second}
	for i := range want {
		if ticks[i] != want[i] {
			t.Fatalf("ticks = %v, want %v", ticks, want)
		}
	}
	if len(order) != 1 || order[0] != "func@3s" {
		t.Fatalf("AfterFunc ran as %v, want [func@3s]", order)
	}
	tk.Stop()
	f.Advance(10 * time.Second)
	select {
	case <-tk.C():
		t.Fatal("stopped ticker ticked")
	default:
	}
}

func TestFakeBlockUntilLetsTestAdvanceAfterSleeperWaits(t *testing.T) {
	f := clock.NewFake(epoch)
	woke := make(chan time.Time)
	go func() {
		f.Sleep(30 * time.Second)
		woke <- f.Now()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("sleeper never armed a timer: %v", err)
	}
	f.Advance(30 * time.Second)
	if got := <-woke; !got.Equal(epoch.Add(30 * time.Second)) {
		t.Fatalf("sleeper woke at %v", got)
	}
}

func TestFakeNeverGoesBackwards(t *testing.T) {
	f := clock.NewFake(epoch)
	f.Set(epoch.Add(-time.Hour))
	if !f.Now().Equal(epoch) {
		t.Fatalf("Set moved the clock back to %v", f.Now())
	}
}

func TestNanoFollowsFake(t *testing.T) {
	f := clock.NewFake(epoch)
	n := clock.Nano{Clock: f}
	before := n.NowNano()
	f.Advance(time.Millisecond)
	if d := n.NowNano() - before; d != int64(time.Millisecond) {
		t.Fatalf("NowNano advanced %d ns, want %d", d, time.Millisecond)
	}
	tick := n.Tick(time.Second)
	f.Advance(time.Second)
	select {
	case <-tick:
	default:
		t.Fatal("Tick did not follow the fake clock")
	}
}

func TestOrDefaultsToReal(t *testing.T) {
	if _, ok := clock.Or(nil).(clock.Real); !ok {
		t.Fatal("Or(nil) is not the real clock")
	}
	f := clock.NewFake(epoch)
	if clock.Or(f) != clock.Clock(f) {
		t.Fatal("Or(f) did not return f")
	}
}

func TestWaitFollowsTheClockAndTheContext(t *testing.T) {
	f := clock.NewFake(epoch)
	done := make(chan error, 1)
	go func() { done <- clock.Wait(context.Background(), f, time.Minute) }()
	if err := f.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("Wait after the clock moved: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- clock.Wait(ctx, f, time.Hour) }()
	if err := f.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Wait after cancel = %v", err)
	}
	if f.Waiters() != 0 {
		t.Fatalf("Wait left %d timers armed", f.Waiters())
	}
	if err := clock.Wait(ctx, f, 0); err != context.Canceled {
		t.Fatalf("zero Wait on a done context = %v", err)
	}
}
