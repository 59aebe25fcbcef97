package tmcclient

import (
	"testing"
	"time"
)

func TestBackoffCeilingsDoubleUpToTheMax(t *testing.T) {
	b := newBackoff(time.Second, 30*time.Second)
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{3, 4 * time.Second},
		{5, 16 * time.Second},
		{6, 30 * time.Second},
		{100, 30 * time.Second}, // no overflow however long the outage
	}
	for _, tt := range tests {
		if got := b.ceiling(tt.failures); got != tt.want {
			t.Errorf("ceiling(%d) = %s, want %s", tt.failures, got, tt.want)
		}
	}
}

func TestBackoffWaitsStayWithinTheirRange(t *testing.T) {
	tests := []struct {
		name   string
		pick   func(n int64) int64 // the jitter source's answer
		steps  []string            // "next", "refused", "reset"
		want   []time.Duration     // the wait after each step that returns one
		lo, hi time.Duration
	}{
		{"top of the range", func(n int64) int64 { return n - 1 },
			[]string{"next", "next", "next", "reset", "next"}, []time.Duration{1, 2, 4, 1}, time.Second, 8 * time.Second},
		{"bottom of the range", func(int64) int64 { return 0 },
			[]string{"next", "next", "refused"}, []time.Duration{0, 0, 4}, time.Second, 8 * time.Second},
		{"refused at the top", func(n int64) int64 { return n - 1 },
			[]string{"refused", "next"}, []time.Duration{8, 2}, time.Second, 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff(tt.lo, tt.hi)
			b.rand = tt.pick
			var got []time.Duration
			for _, s := range tt.steps {
				switch s {
				case "next":
					got = append(got, b.next()/time.Second)
				case "refused":
					got = append(got, b.refused()/time.Second)
				case "reset":
					b.reset()
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("waits %v, want %v (seconds)", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("waits %v, want %v (seconds)", got, tt.want)
					break
				}
			}
		})
	}
}

func TestBackoffJitterIsUniformOverTheRange(t *testing.T) {
	b := newBackoff(time.Second, 30*time.Second)
	var below, above int
	for range 10000 {
		b.reset()
		d := b.next()
		if d < 0 || d > time.Second {
			t.Fatalf("first wait %s outside [0, 1s]", d)
		}
		if d < time.Second/2 {
			below++
		} else {
			above++
		}
	}
	// A fair split of 10000 is within 5000±300 far beyond any bad luck.
	if below < 4700 || above < 4700 {
		t.Errorf("%d waits below half the ceiling, %d above: not uniform", below, above)
	}
}
