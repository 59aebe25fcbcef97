package flowctl

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// stubCoarse is a coarse clock whose coarse and precise times the test sets.
type stubCoarse struct {
	coarseClock
	wall atomic.Int64
}

func newStubCoarse() *stubCoarse {
	s := &stubCoarse{}
	s.precise = func() int64 { return s.wall.Load() }
	return s
}

// set makes the goroutine's last stored time coarse and the wall clock wall.
func (s *stubCoarse) set(coarse, wall time.Time) {
	s.now.Store(coarse.UnixNano())
	s.wall.Store(wall.UnixNano())
}

// localOnStub is a Local reading stub as it reads the shared coarse clock.
func localOnStub(t *testing.T, r *Rules, stub *stubCoarse) *Local {
	t.Helper()
	l, err := NewLocal(LocalConfig{Clock: clock.Real{}, Rules: r, executor: func(f func()) { f() }})
	if err != nil {
		t.Fatal(err)
	}
	if l.coarse == nil {
		t.Fatal("a Local on the wall clock does not use the coarse clock")
	}
	l.coarse = &stub.coarseClock
	return l
}

func TestLocalUsesCoarseClockOnlyOnTheWallClock(t *testing.T) {
	tests := []struct {
		name   string
		clk    clock.Clock
		coarse bool
	}{
		{"nil", nil, true},
		{"real", clock.Real{}, true},
		{"fake", clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0)), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLocal(LocalConfig{Clock: tc.clk})
			if err != nil {
				t.Fatal(err)
			}
			if got := l.coarse != nil; got != tc.coarse {
				t.Fatalf("coarse clock used = %v, want %v", got, tc.coarse)
			}
		})
	}
	a, _ := NewLocal(LocalConfig{})
	b, _ := NewLocal(LocalConfig{Clock: clock.Real{}})
	if a.coarse != b.coarse {
		t.Fatal("two Locals run two coarse clocks")
	}
}

// A lagging coarse time can move a call into the previous window, but no
// window ever admits more than its limit.
func TestCoarseTimeNeverAdmitsMoreThanTheLimit(t *testing.T) {
	const limit = 3
	stub := newStubCoarse()
	l := localOnStub(t, &Rules{APIs: map[string]APIRule{"x": {PerSecond: limit}}}, stub)
	k := Key{App: "a", API: "x"}
	sec := at(2026, 11, 11, 10, 0, 4, 0)
	// The goroutine stored 4.990 s and is late: the wall clock is at 5.010 s.
	stub.set(sec.Add(990*time.Millisecond), sec.Add(1010*time.Millisecond))
	expectAllowed(t, l, k, limit) // counted in second 4, which had room
	expectRejected(t, l, k, top.SubAPIAccessCount, 1, 10*time.Millisecond)
	// A caller with a fresh time moves the counter to second 5 ...
	stub.set(sec.Add(1010*time.Millisecond), sec.Add(1010*time.Millisecond))
	expectAllowed(t, l, k, 1)
	// ... and callers whose time is still in second 4 count there too, up to the limit.
	stub.set(sec.Add(990*time.Millisecond), sec.Add(1010*time.Millisecond))
	expectAllowed(t, l, k, limit-1)
	expectRejected(t, l, k, top.SubAPIAccessCount, 1, 0)
	stub.set(sec.Add(1500*time.Millisecond), sec.Add(1500*time.Millisecond))
	expectRejected(t, l, k, top.SubAPIAccessCount, 1, 500*time.Millisecond)
}

// Within the guard before a whole second the precise time decides, so a
// window's edge does not move with the coarse clock's lag.
func TestCoarseTimeNearAnEdgeReadsThePreciseTime(t *testing.T) {
	const limit = 2
	stub := newStubCoarse()
	l := localOnStub(t, &Rules{APIs: map[string]APIRule{"x": {PerSecond: limit}}}, stub)
	k := Key{App: "a", API: "x"}
	sec := at(2026, 11, 11, 10, 0, 4, 0)
	stub.set(sec.Add(500*time.Millisecond), sec.Add(500*time.Millisecond))
	expectAllowed(t, l, k, limit)
	// Outside the guard the coarse time decides: the precise one says second 5, unused.
	stub.set(sec.Add(990*time.Millisecond), sec.Add(1000*time.Millisecond))
	expectRejected(t, l, k, top.SubAPIAccessCount, 1, 10*time.Millisecond)
	// Inside it (999 ms, lagging by 1 ms) the precise time, in second 5, decides.
	stub.set(sec.Add(999*time.Millisecond), sec.Add(1000*time.Millisecond))
	expectAllowed(t, l, k, limit)
	expectRejected(t, l, k, top.SubAPIAccessCount, 1, time.Second)
}

func TestSharedCoarseClockMoves(t *testing.T) {
	l, err := NewLocal(LocalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	first := l.coarse.now.Load()
	eventually(t, "the coarse clock to move", func() bool { return l.coarse.now.Load() > first })
	if d := l.coarse.precise() - l.coarse.now.Load(); d < 0 {
		t.Fatalf("the coarse clock is %v ahead of the wall clock", -time.Duration(d))
	}
	// A real decision on it works as on the precise clock.
	if err := l.SetRules(&Rules{DefaultApp: AppRule{PerDay: 1}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if !l.Allow(ctx, Key{App: "a", API: "x"}).Allowed || l.Allow(ctx, Key{App: "a", API: "x"}).Allowed {
		t.Fatal("a daily limit of 1 on the coarse clock did not admit exactly one call")
	}
}

// The goroutine holds its clock weakly: a clock no Local holds is collected
// (and the goroutine then ends at its next tick).
func TestCoarseClockIsCollectedWhenUnused(t *testing.T) {
	wp := startUnheldCoarseClock()
	eventually(t, "the goroutine to tick", func() bool { return wp.Value().now.Load() != 0 })
	eventually(t, "the clock to be collected", func() bool {
		runtime.GC()
		return wp.Value() == nil
	})
}

// startUnheldCoarseClock starts a coarse clock that only its goroutine refers to.
func startUnheldCoarseClock() weak.Pointer[coarseClock] {
	wp := weak.Make(&coarseClock{precise: wallNano})
	go tickCoarse(wp, time.Millisecond)
	return wp
}
