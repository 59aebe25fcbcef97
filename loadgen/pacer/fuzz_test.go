package pacer

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// FuzzParseRates: any input either fails with a *CSVError or yields points a
// Replay accepts, and writing them back as "second,rate" reads back the same.
func FuzzParseRates(f *testing.F) {
	for _, seed := range []string{
		"1\n2\n3\n", "rate\n1.5\n", "second,rate\n0,1\n5,2\n", "\ufeff# c\n0,1\r\n", "0,1,2\n", "1\nNaN\n", "",
		"0,1e9\n1,0\n", "second,rate\n0,-0\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pts, err := ParseRates(bytes.NewReader(data))
		if err != nil {
			if _, ok := err.(*CSVError); !ok {
				t.Fatalf("error %v is not a *CSVError", err)
			}
			return
		}
		r, err := NewReplay(pts, InterpLinear)
		if err != nil {
			t.Fatalf("parsed points rejected: %v", err)
		}
		if r.Bound() != pts[len(pts)-1].T+time.Second {
			t.Fatalf("bound %v", r.Bound())
		}
		var buf bytes.Buffer
		buf.WriteString("second,rate\n")
		for _, p := range pts {
			if p.T%time.Second != 0 {
				t.Fatalf("point at %v is not a whole second", p.T)
			}
			fmt.Fprintf(&buf, "%d,%s\n", p.T/time.Second, strconv.FormatFloat(p.Rate, 'g', -1, 64))
		}
		again, err := ParseRates(&buf)
		if err != nil {
			t.Fatalf("re-reading %q: %v", buf.String(), err)
		}
		if len(again) != len(pts) {
			t.Fatalf("re-read %d points, want %d", len(again), len(pts))
		}
		for i := range pts {
			if again[i] != pts[i] {
				t.Fatalf("point %d re-read as %v, want %v", i, again[i], pts[i])
			}
		}
	})
}

// FuzzUntil: for any valid Step, Spike or Double11, the time Until returns
// is the first nanosecond at which Hits reaches h.
func FuzzUntil(f *testing.F) {
	f.Add(uint8(0), 10.0, 5.0, int64(1e9), int64(3), 0.0, 17.5)
	f.Add(uint8(1), 50.0, 800.0, int64(3e8), int64(2e9), 1.0, 900.0)
	f.Add(uint8(2), 100.0, 2.0, int64(5e8), int64(4e9), 0.7, 12345.0)
	f.Fuzz(func(t *testing.T, kind uint8, a, b float64, d1, d2 int64, x, h float64) {
		span := func(d int64) time.Duration { return time.Duration(d%int64(time.Hour)+int64(time.Hour)) % time.Hour }
		var s Shape
		switch kind % 3 {
		case 0:
			s = Step{Start: a, By: b, Every: span(d1) + time.Millisecond, Steps: int(d2 % 1000), Max: x * 1000}
		case 1:
			s = Spike{Base: a, Peak: b, At: span(d1), Rise: span(d2) / 7, Width: span(d1) / 3, Fall: span(d2) / 5}
		default:
			d := DefaultDouble11(a, span(d1)+10*time.Second)
			d.Decay.Exponent = x*3 + 0.01
			s = d
		}
		if s.Validate() != nil || !(h > 0) || h > 1e12 {
			return
		}
		at, ok := s.Until(h)
		if !ok {
			if b := s.Bound(); b > 0 && s.Hits(b) >= h {
				t.Fatalf("%v: Until(%v) not ok but Hits(bound) = %v", s, h, s.Hits(b))
			}
			return
		}
		if got := s.Hits(at); got < h {
			t.Fatalf("%v: Hits(Until(%v) = %v) = %v", s, h, at, got)
		}
		if at > 0 && s.Hits(at-1) >= h {
			t.Fatalf("%v: Hits(Until(%v) - 1ns) = %v already reaches it", s, h, s.Hits(at-1))
		}
	})
}
