package toptarget

import (
	"errors"
	"math"
	"math/rand/v2"
)

// draw is the random source of one hit: a PCG seeded by (seed, hit number),
// so hit n is the same call whichever worker builds it and in whatever
// order. It lives on the stack: no allocation, no shared state.
type draw struct {
	pcg rand.PCG
}

func newDraw(seed, hit uint64) draw {
	var d draw
	d.pcg.Seed(seed, hit)
	return d
}

// float returns a uniform float64 in [0, 1).
func (d *draw) float() float64 { return float64(d.pcg.Uint64()>>11) / (1 << 53) }

// intn returns a uniform int in [0, n), n > 0.
func (d *draw) intn(n int) int { return int(d.pcg.Uint64() % uint64(n)) }

// chance returns true with probability p.
func (d *draw) chance(p float64) bool { return p > 0 && d.float() < p }

// cdf picks an index with probability proportional to its weight: it holds
// the cumulative weights normalised to end at 1, searched by bisection.
type cdf []float64

func newCDF(weights []float64) (cdf, error) {
	var total float64
	for _, w := range weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, errors.New("weights must be finite and not negative")
		}
		total += w
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return nil, errors.New("weights must add up to a positive number")
	}
	c := make(cdf, len(weights))
	var sum float64
	for i, w := range weights {
		sum += w
		c[i] = sum / total
	}
	c[len(c)-1] = 1
	return c, nil
}

// pick maps u in [0, 1) to the first index whose cumulative weight exceeds
// it; an index of zero weight is never picked.
func (c cdf) pick(u float64) int {
	lo, hi := 0, len(c)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// zipfWeights returns (v+k)^-s for ranks k = 0..n-1.
func zipfWeights(n int, z Zipf) []float64 {
	w := make([]float64, n)
	for k := range w {
		w[k] = math.Pow(z.V+float64(k), -z.S)
	}
	return w
}
