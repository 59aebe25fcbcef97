package reports

import (
	"fmt"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency is a distribution in milliseconds with the histogram it came from.
type Latency struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
	// Hist is a V2 compressed HdrHistogram of the values in microseconds.
	Hist string `json:"hist,omitempty"`
}

// Histogram decodes the V2 compressed HdrHistogram hist (microseconds).
// Packed decoding allocates by the buckets present, not by the range the
// header claims, so a hostile summary.json cannot blow up memory.
func Histogram(hist string) (*hdrhistogram.PackedHistogram, error) {
	h, err := hdrhistogram.DecodePacked([]byte(hist))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// LatencyOf decodes hist and derives the quantiles. An empty hist is an
// empty distribution.
func LatencyOf(hist string) (Latency, error) {
	if hist == "" {
		return Latency{}, nil
	}
	h, err := Histogram(hist)
	if err != nil {
		return Latency{}, err
	}
	l := latencyOf(h)
	l.Hist = hist
	return l, nil
}

// quantiler is what the histogram types answer.
type quantiler interface {
	TotalCount() int64
	Mean() float64
	Max() int64
	ValueAtPercentile(float64) int64
}

func latencyOf(h quantiler) Latency {
	l := Latency{Count: uint64(max(h.TotalCount(), 0))}
	if l.Count == 0 {
		return l
	}
	l.Mean = h.Mean() / 1000
	l.P50 = ms(h.ValueAtPercentile(50))
	l.P90 = ms(h.ValueAtPercentile(90))
	l.P99 = ms(h.ValueAtPercentile(99))
	l.P999 = ms(h.ValueAtPercentile(99.9))
	l.Max = ms(h.Max())
	return l
}

func ms(us int64) float64 { return float64(us) / 1000 }

// Quantiles returns the distribution's course for the percentile plot:
// values in ms at quantiles 1-10^(-i/10), from 0 up to the last quantile the
// count resolves (1/(1-q) <= count), then the maximum.
func (l Latency) Quantiles() (q, v []float64, err error) {
	if l.Hist == "" || l.Count == 0 {
		return nil, nil, nil
	}
	h, err := Histogram(l.Hist)
	if err != nil {
		return nil, nil, err
	}
	q, v = quantilesOf(h)
	return q, v, nil
}

func quantilesOf(h quantiler) (q, v []float64) {
	n := float64(h.TotalCount())
	if n == 0 {
		return nil, nil
	}
	var qs, vs []float64
	for i := 0; i <= 60; i++ {
		qi := 1 - math.Pow(10, -float64(i)/10)
		if 1/(1-qi) > n {
			break
		}
		qs = append(qs, qi)
		vs = append(vs, ms(h.ValueAtPercentile(qi*100)))
	}
	// The maximum sits at quantile 1-1/n: the last value the count resolves.
	if last := 1 - 1/n; n > 1 && (len(qs) == 0 || last > qs[len(qs)-1]) {
		qs = append(qs, last)
		vs = append(vs, ms(h.Max()))
	}
	return qs, vs
}
