package loadgen

import (
	"fmt"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// maxSeconds bounds a series (about three days); anything later lands in
// the last second rather than growing memory without bound.
const maxSeconds = 1 << 18

// Second is one second of a run's time series.
type Second struct {
	// Second counts seconds since Summary.Start.
	Second int `json:"second"`
	// Target is how many hits the pacer planned in this second (open model).
	Target uint64 `json:"target"`
	// Sent is how many hits were actually sent in this second: the achieved rate.
	Sent uint64 `json:"sent"`
	// Requests counts the hits due in this second (sent in it, closed model)
	// that have a latency; Errors those of them whose outcome is not OutcomeOK
	// (nor an expected error: IsExpected).
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// P50 and P99 are the corrected latency of Requests.
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	// Hist is the corrected latency of Requests, a V2 compressed HdrHistogram
	// in microseconds, so series from several agents merge losslessly.
	Hist string `json:"hist,omitempty"`
}

// intervals is a shard's per-second series. Latencies go into packed
// histograms, which grow with the buckets used rather than the range covered.
type intervals struct {
	hists  []*hdrhistogram.PackedHistogram // corrected latency by intended second
	errors []uint64                        // by intended second
	sent   []uint64                        // by actual send second
}

// secondOf returns the series index of elapsed time d.
func secondOf(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(min(d/time.Second, maxSeconds-1))
}

// growTo extends s with zero values so that index i exists.
func growTo[T any](s []T, i int) []T {
	if i < len(s) {
		return s
	}
	return append(s, make([]T, i+1-len(s))...)
}

// record adds a latency to the second the hit was due.
func (iv *intervals) record(intended time.Duration, us int64, failed bool) {
	i := secondOf(intended)
	iv.hists = growTo(iv.hists, i)
	if iv.hists[i] == nil {
		iv.hists[i] = newPacked()
	}
	_ = iv.hists[i].RecordValue(us) // us is within range
	if failed {
		iv.errors = growTo(iv.errors, i)
		iv.errors[i]++
	}
}

// send counts a hit in the second it was actually sent.
func (iv *intervals) send(sent time.Duration) {
	j := secondOf(sent)
	iv.sent = growTo(iv.sent, j)
	iv.sent[j]++
}

// secondAcc accumulates one second while series are merged.
type secondAcc struct {
	sec  Second
	hist *hdrhistogram.PackedHistogram
}

func (a *secondAcc) add(h *hdrhistogram.PackedHistogram) {
	if h == nil || h.TotalCount() == 0 {
		return
	}
	if a.hist == nil {
		a.hist = newPacked()
	}
	a.hist.Merge(h)
}

// finish fills the second's latency fields from its histogram.
func (a *secondAcc) finish() (Second, error) {
	s := a.sec
	s.Requests, s.P50, s.P99, s.Hist = 0, 0, 0, ""
	if a.hist == nil {
		return s, nil
	}
	enc, err := a.hist.Encode()
	if err != nil {
		return s, fmt.Errorf("encode second %d: %w", s.Second, err)
	}
	s.Requests = uint64(a.hist.TotalCount())
	s.P50 = usToDuration(a.hist.ValueAtPercentile(50))
	s.P99 = usToDuration(a.hist.ValueAtPercentile(99))
	s.Hist = string(enc)
	return s, nil
}

// seriesOf merges the shards' series into one dense series.
func seriesOf(shards []*Shard) ([]Second, error) {
	n := 0
	for _, s := range shards {
		n = max(n, len(s.series.hists), len(s.series.errors), len(s.series.sent))
	}
	out := make([]Second, n)
	for i := range out {
		acc := secondAcc{sec: Second{Second: i}}
		for _, s := range shards {
			iv := &s.series
			if i < len(iv.hists) {
				acc.add(iv.hists[i])
			}
			if i < len(iv.errors) {
				acc.sec.Errors += iv.errors[i]
			}
			if i < len(iv.sent) {
				acc.sec.Sent += iv.sent[i]
			}
		}
		var err error
		if out[i], err = acc.finish(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeSeries merges series a and b whose seconds start offA and offB seconds
// after the merged start. The result holds the seconds present in either.
func mergeSeries(a []Second, offA int, b []Second, offB int) ([]Second, error) {
	accs := make(map[int]*secondAcc, max(len(a), len(b)))
	add := func(series []Second, off int) error {
		for _, s := range series {
			i := s.Second + off
			if s.Second < 0 || i < 0 || i >= maxSeconds {
				return fmt.Errorf("second %d out of range", s.Second)
			}
			acc := accs[i]
			if acc == nil {
				acc = &secondAcc{sec: Second{Second: i}}
				accs[i] = acc
			}
			acc.sec.Target += s.Target
			acc.sec.Sent += s.Sent
			acc.sec.Errors += s.Errors
			if s.Hist == "" {
				continue
			}
			h, err := decodeHistogram(s.Hist)
			if err != nil {
				return fmt.Errorf("second %d: %w", s.Second, err)
			}
			acc.add(h)
		}
		return nil
	}
	if err := add(a, offA); err != nil {
		return nil, err
	}
	if err := add(b, offB); err != nil {
		return nil, err
	}
	keys := make([]int, 0, len(accs))
	for i := range accs {
		keys = append(keys, i)
	}
	slices.Sort(keys)
	out := make([]Second, 0, len(keys))
	for _, i := range keys {
		s, err := accs[i].finish()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
