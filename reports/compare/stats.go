package compare

import (
	"math"
	"math/rand/v2"
	"slices"

	"golang.org/x/perf/benchmath"
	"gonum.org/v1/gonum/stat"
)

// test compares sample b with the baseline a: medians, Mann-Whitney U, and
// a bootstrap interval of the difference of medians.
func test(a, b []float64, o Options, seed uint64) (Test, error) {
	if len(a) < 2 || len(b) < 2 {
		return Test{}, errTooFew
	}
	thr := benchmath.DefaultThresholds
	thr.CompareAlpha = o.Alpha
	// NewSample sorts in place: give it copies.
	sa := benchmath.NewSample(slices.Clone(a), &thr)
	sb := benchmath.NewSample(slices.Clone(b), &thr)
	cmp := benchmath.AssumeNothing.Compare(sa, sb)
	t := Test{
		N0: len(a), N: len(b),
		Median0: median(sa.Values), Median: median(sb.Values),
		P: cmp.P, Significant: cmp.P < o.Alpha,
	}
	t.Delta = t.Median - t.Median0
	if t.DeltaPct = pct(t.Median0, t.Median); math.IsNaN(t.DeltaPct) {
		t.DeltaPct = 0 // JSON has no NaN; a zero baseline median has no ratio
	}
	for _, w := range cmp.Warnings {
		t.Warnings = append(t.Warnings, w.Error())
	}
	t.DeltaLo, t.DeltaHi = bootstrapDelta(sa.Values, sb.Values, o.Resamples, o.Confidence, seed)
	return t, nil
}

// median of sorted values.
func median(sorted []float64) float64 { return stat.Quantile(0.5, stat.Empirical, sorted, nil) }

// bootstrapDelta is the percentile bootstrap interval of median(b) -
// median(a) at level conf, from n resamples of a seeded source. a and b are
// sorted.
func bootstrapDelta(a, b []float64, n int, conf float64, seed uint64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	wa, wb := make([]float64, len(a)), make([]float64, len(b))
	deltas := make([]float64, n)
	for i := range deltas {
		deltas[i] = resampleMedian(rng, b, wb) - resampleMedian(rng, a, wa)
	}
	slices.Sort(deltas)
	tail := (1 - conf) / 2
	return stat.Quantile(tail, stat.Empirical, deltas, nil), stat.Quantile(1-tail, stat.Empirical, deltas, nil)
}

// resampleMedian draws len(sorted) values with replacement and returns their
// median. A resample is kept as how often each value was drawn (weights),
// so it needs no sort: gonum's weighted quantile reads it directly.
func resampleMedian(rng *rand.Rand, sorted, weights []float64) float64 {
	clear(weights)
	for range sorted {
		weights[rng.IntN(len(sorted))]++
	}
	return stat.Quantile(0.5, stat.Empirical, sorted, weights)
}
