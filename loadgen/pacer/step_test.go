package pacer

import (
	"testing"
	"time"
)

// Step's rate follows its definition, limits included.
func TestStepRate(t *testing.T) {
	tests := []struct {
		name string
		s    Step
		at   time.Duration
		want float64
	}{
		{"first step", Step{Start: 10, By: 5, Every: time.Second}, 999 * time.Millisecond, 10},
		{"second step", Step{Start: 10, By: 5, Every: time.Second}, time.Second, 15},
		{"no limit", Step{Start: 10, By: 5, Every: time.Second}, 100 * time.Second, 510},
		{"steps limit", Step{Start: 10, By: 5, Every: time.Second, Steps: 3}, 100 * time.Second, 25},
		{"max", Step{Start: 10, By: 5, Every: time.Second, Max: 22}, 2 * time.Second, 20},
		{"max reached", Step{Start: 10, By: 5, Every: time.Second, Max: 22}, 3 * time.Second, 22},
		{"down", Step{Start: 10, By: -4, Every: time.Second}, 2 * time.Second, 2},
		{"floor at zero", Step{Start: 10, By: -4, Every: time.Second}, 3 * time.Second, 0},
		{"flat", Step{Start: 7, Every: time.Second}, time.Hour, 7},
		{"after the end", Step{Start: 7, Every: time.Second, Duration: time.Minute}, time.Minute, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Rate(tc.at); got != tc.want {
				t.Fatalf("Rate(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

// The closed-form inverse finds the same hits as a plain walk over the steps,
// far into an endless ramp.
func TestStepUntilFarOut(t *testing.T) {
	s := Step{Start: 3, By: 0.7, Every: 250 * time.Millisecond}
	for _, n := range []uint64{0, 1, 2, 10, 999, 123456, 9_999_999} {
		at, ok := s.Intended(n)
		if !ok {
			t.Fatalf("Intended(%d) not ok", n)
		}
		if h := s.Hits(at); h < float64(n+1) {
			t.Fatalf("Hits(Intended(%d)) = %v < %d", n, h, n+1)
		}
		if h := s.Hits(at - 1); h >= float64(n+1) {
			t.Fatalf("Hits(Intended(%d) - 1ns) = %v already reaches %d", n, h, n+1)
		}
	}
}

// A ramp that steps down to zero stops sending, bounded or not.
func TestStepDownStops(t *testing.T) {
	s := Step{Start: 30, By: -10, Every: time.Second}
	if _, ok := s.Intended(59); !ok {
		t.Fatal("hit 59 of 60 not sent")
	}
	if _, ok := s.Intended(60); ok {
		t.Fatal("hit 60 sent after the rate reached zero")
	}
}

func TestSample(t *testing.T) {
	s := Step{Start: 10, By: 10, Every: time.Second}
	pts := Sample(s, 500*time.Millisecond, 2*time.Second)
	want := []Point{{0, 10}, {500 * time.Millisecond, 10}, {time.Second, 20}, {1500 * time.Millisecond, 20}, {2 * time.Second, 30}}
	if len(pts) != len(want) {
		t.Fatalf("Sample = %v", pts)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Fatalf("Sample[%d] = %v, want %v", i, pts[i], want[i])
		}
	}
	if Sample(s, 0, time.Second) != nil || Sample(s, time.Second, 0) != nil {
		t.Fatal("Sample with a non-positive step or duration is not nil")
	}
}
