package pacer

import (
	"math"
	"time"
)

// The night's figures. Published ones (REFERENCE section 4) are cited; the
// rest are the model's own choices, named so a scenario can see and change them.
const (
	// nightStart is when the modelled evening starts: 19:30, half an hour
	// before the pre-sale opening at 20:00.
	nightStart = 19*time.Hour + 30*time.Minute
	// Pre-sale evenings (20:00) have their own opening wave (published); its
	// size and length are not, so: a one-hour hump to a fifth of the peak.
	preSaleAt     = 20 * time.Hour
	preSaleFor    = time.Hour
	preSaleHeight = 0.2 // of the peak
	// 2020's peak (583k orders/s) was reached 26 s after 00:00 (published).
	rampToPeak = 26 * time.Second
	// Peaks land between 26 s and about 5 min after midnight (published): the
	// top is a plateau minutes wide, not a spike, so the decay is set to keep
	// 80% of the peak's excess over the tail at 00:05.
	plateauUntil  = 5 * time.Minute
	plateauShare  = 0.8
	decayExponent = 2.0 // a power law; the published figures fix the rest
	// 40-45% of the day's volume arrives in the first 60-90 minutes
	// (published): the tail rate is solved so 42.5% of the day arrives in
	// its first 75 minutes.
	firstWindow = 75 * time.Minute
	firstShare  = 0.425
	day         = 24 * time.Hour
	// The lab plays the evening and the first 90 minutes after midnight (the
	// window the published share covers): a quarter of its time for the
	// evening, three quarters for after midnight.
	labAfterMidnight = 90 * time.Minute
	labEveningShare  = 0.25
)

// NightDouble11 is the Double-11 night in real time, peaking at peak hits
// per second: from 19:30 (the shape's 0) through the 20:00 pre-sale wave to
// midnight (4h30m in), the 26-second ramp, and the day after midnight with a
// power-law decay. The evening baseline equals the long-tail rate. Its tail
// rate comes out at about 1.75% of the peak, the decay's scale at 38m41s, and
// the day's mean rate at about 4.3% of the peak (a peak 23 times the mean).
func NightDouble11(peak float64) Double11 {
	scale := (plateauUntil - rampToPeak).Seconds() / (math.Pow(plateauShare, -1/decayExponent) - 1)
	d := Double11{
		PreSale:  Wave{Start: preSaleAt - nightStart, Duration: preSaleFor, Height: preSaleHeight * peak},
		Midnight: day - nightStart,
		Ramp:     rampToPeak,
		Peak:     peak,
		Decay:    Decay{Exponent: decayExponent, Scale: durationOf(scale)},
		TailFor:  day - rampToPeak,
	}
	d.Baseline, d.Tail = 0, 0
	tau := solveTail(d)
	d.Baseline, d.Tail = tau*peak, tau*peak
	return d
}

// solveTail returns the tail rate, as a fraction of the peak, that puts
// firstShare of the day after midnight into its first window. The volume is
// linear in that fraction (the baseline equals the tail), so two
// evaluations solve it.
func solveTail(d Double11) float64 {
	share := func(tau float64) (first, whole float64) {
		d.Baseline, d.Tail = tau*d.Peak, tau*d.Peak
		at0 := d.Hits(d.Midnight)
		return d.Hits(d.Midnight+firstWindow) - at0, d.Hits(d.Bound()) - at0
	}
	a1, a2 := share(0)
	b1, b2 := share(1)
	b1, b2 = b1-a1, b2-a2
	// (a1 + tau*b1) / (a2 + tau*b2) = firstShare
	return (a1 - firstShare*a2) / (firstShare*b2 - b1)
}

// DefaultDouble11 is NightDouble11 compressed into total for the lab: the
// evening (19:30 to midnight) into the first quarter, the first 90 minutes
// after midnight into the other three. Rates and their ratios are kept;
// times shrink by the two factors (rounded to the millisecond), so for
// total = 8 min the evening takes 2 min, the ramp 1.733 s, the plateau
// about 20 s and the decay's scale is 2m34.758s.
func DefaultDouble11(peak float64, total time.Duration) Double11 {
	d := NightDouble11(peak)
	evening := labEveningShare * float64(total) / float64(d.Midnight)
	after := (1 - labEveningShare) * float64(total) / float64(labAfterMidnight)
	shrink := func(t time.Duration, f float64) time.Duration {
		return time.Duration(math.Round(float64(t)*f/1e6)) * time.Millisecond
	}
	d.PreSale.Start = shrink(d.PreSale.Start, evening)
	d.PreSale.Duration = shrink(d.PreSale.Duration, evening)
	d.Midnight = shrink(d.Midnight, evening)
	d.Ramp = shrink(d.Ramp, after)
	d.Hold = shrink(d.Hold, after)
	d.Decay.Scale = shrink(d.Decay.Scale, after)
	d.TailFor = total - d.Midnight - d.Ramp - d.Hold
	return d
}
