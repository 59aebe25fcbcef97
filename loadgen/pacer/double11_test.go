package pacer

import (
	"math"
	"testing"
	"time"
)

// The real-time night reproduces the published figures it was built from
// (REFERENCE section 4) and the stated modelling choices.
func TestNightDouble11Figures(t *testing.T) {
	const peak = 583_000 // 2020's peak orders per second
	d := NightDouble11(peak)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	mid := d.Midnight
	if mid != 4*time.Hour+30*time.Minute {
		t.Fatalf("midnight at %v, want 4h30m after 19:30", mid)
	}
	// The peak is reached 26 s after 00:00, not before.
	if r := d.Rate(mid + 26*time.Second); r != peak {
		t.Fatalf("rate at 00:00:26 = %v, want the peak %v", r, peak)
	}
	if r := d.Rate(mid + 25*time.Second); r >= peak {
		t.Fatalf("rate at 00:00:25 = %v, already the peak", r)
	}
	// A plateau: 80% of the excess over the tail is left at 00:05.
	if r, want := d.Rate(mid+5*time.Minute), d.Tail+0.8*(peak-d.Tail); !near(r, want, 1e-6*peak) {
		t.Fatalf("rate at 00:05 = %v, want %v", r, want)
	}
	// 42.5% of the day after midnight lands in its first 75 minutes (40-45% in 60-90 min).
	dayHits := d.Hits(mid+24*time.Hour) - d.Hits(mid)
	first := d.Hits(mid+75*time.Minute) - d.Hits(mid)
	if share := first / dayHits; !near(share, 0.425, 1e-9) {
		t.Fatalf("first 75 min share %.6f, want 0.425", share)
	}
	if share := (d.Hits(mid+60*time.Minute) - d.Hits(mid)) / dayHits; share < 0.35 || share > 0.45 {
		t.Errorf("first 60 min share %.3f", share)
	}
	if tau := d.Tail / peak; !near(tau, 0.0175, 0.0001) {
		t.Errorf("tail is %.5f of the peak, documented as about 1.75%%", tau)
	}
	if mean := dayHits / 86400 / peak; !near(mean, 0.0434, 0.0001) {
		t.Errorf("day mean is %.5f of the peak, documented as about 4.3%%", mean)
	}
	// The pre-sale wave opens at 20:00 and tops out at a fifth of the peak.
	if r := d.Rate(30 * time.Minute); r != d.Baseline {
		t.Errorf("rate at 20:00 = %v, want the baseline %v", r, d.Baseline)
	}
	if r := d.Rate(time.Hour); !near(r, d.Baseline+0.2*peak, 1e-6*peak) {
		t.Errorf("rate at 20:30 = %v, want baseline + 20%% of the peak", r)
	}
}

// The lab's version: the same night in total, rates kept.
func TestDefaultDouble11Compression(t *testing.T) {
	const peak = 5000
	total := 8 * time.Minute
	d := DefaultDouble11(peak, total)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	night := NightDouble11(peak)
	if d.Bound() != total {
		t.Fatalf("bound %v, want %v", d.Bound(), total)
	}
	if d.Midnight != total/4 {
		t.Errorf("midnight at %v, want %v", d.Midnight, total/4)
	}
	// 26 s of ramp shrink by 90 min / 6 min = 15 to about 1.7 s: "a few seconds".
	if want := 26 * time.Second / 15; absDur(d.Ramp-want) > time.Millisecond {
		t.Errorf("ramp %v, want %v", d.Ramp, want)
	}
	if d.Peak != peak || d.Tail != night.Tail || d.Baseline != night.Baseline || d.PreSale.Height != night.PreSale.Height {
		t.Errorf("rates changed by compression: %v vs %v", d, night)
	}
	if d.Decay.Exponent != night.Decay.Exponent || absDur(d.Decay.Scale-night.Decay.Scale/15) > time.Millisecond {
		t.Errorf("decay %+v, night %+v", d.Decay, night.Decay)
	}
	// The rate tops out at the peak when the ramp ends, and nowhere else.
	if r := d.Rate(d.Midnight + d.Ramp); r != peak {
		t.Errorf("rate at the end of the ramp %v, want %v", r, peak)
	}
	top := Point{}
	for _, p := range Sample(d, 10*time.Millisecond, total) {
		if p.Rate > top.Rate {
			top = p
		}
	}
	if top.Rate > peak || top.Rate < 0.999*peak || absDur(top.T-d.Midnight-d.Ramp) > 10*time.Millisecond {
		t.Errorf("sampled top %+v, want about %v at %v", top, peak, d.Midnight+d.Ramp)
	}
	// The same shape at any length: the share of the run's hits before midnight does not change.
	short := DefaultDouble11(peak, time.Minute)
	shareLong := d.Hits(d.Midnight) / d.Hits(total)
	shareShort := short.Hits(short.Midnight) / short.Hits(time.Minute)
	if !near(shareLong, shareShort, 1e-3) {
		t.Errorf("evening share %.4f at 8 min, %.4f at 1 min", shareLong, shareShort)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// The power-law decay's integral handles every exponent, including 1 where
// the closed form switches to a logarithm.
func TestDecayIntegralAcrossExponents(t *testing.T) {
	for _, a := range []float64{0.3, 0.999999, 1, 1.000001, 2, 7} {
		g := seg{kind: segDecay, length: 10 * time.Second, r0: 5, r1: 500, a: a, s: 0.8}
		num := 0.0
		const steps = 200000
		dx := 10.0 / steps
		for i := range steps {
			x := (float64(i) + 0.5) * dx
			num += (5 + 495*math.Pow(1+x/0.8, -a)) * dx
		}
		if got := g.total(); !near(got, num, 1e-6*num) {
			t.Errorf("exponent %v: total %v, numeric %v", a, got, num)
		}
		// And its inverse.
		for _, frac := range []float64{1e-6, 0.1, 0.5, 0.999} {
			h := frac * g.total()
			u := g.invert(h)
			if got := g.curve(u); !near(got, h, 1e-9*g.total()) {
				t.Errorf("exponent %v: hits(invert(%v)) = %v", a, h, got)
			}
		}
	}
}
