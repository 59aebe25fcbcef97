package loadgen

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The geometry of every histogram in the package: microseconds from 1 us to
// 1 h with 3 significant digits. Sharing it keeps merges lossless.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histDigits  = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

func newPacked() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(histLowest, histHighest, histDigits)
}

// micros converts d to whole microseconds within the histogram range; longer
// latencies are recorded as 1 h (a request timeout is far shorter).
func micros(d time.Duration) int64 {
	return min(max(d.Microseconds(), 0), histHighest)
}

// Observation is one recorded hit.
type Observation struct {
	// Intended is when the hit was due, since the start; it picks the second of
	// the series the hit belongs to. The closed model uses Sent.
	Intended time.Duration
	// Sent is when the hit was actually sent, since the start.
	Sent time.Duration
	// Corrected is the latency measured from Intended; Raw from Sent.
	Corrected, Raw time.Duration
	// Code is the HTTP status, 0 when no response arrived.
	Code uint16
	// Outcome is the classifier's name for the hit; OutcomeOK is a success and
	// OutcomeCanceled is counted but has no latency.
	Outcome string
}

// Recorder collects observations in shards, one per recording goroutine, so
// the hot path takes only its own shard's uncontended lock.
type Recorder struct {
	shards []*Shard
}

// NewRecorder returns a recorder with n shards (at least one).
func NewRecorder(n int) *Recorder {
	r := &Recorder{shards: make([]*Shard, max(n, 1))}
	for i := range r.shards {
		r.shards[i] = &Shard{
			corrected: newHistogram(),
			raw:       newHistogram(),
			outcomes:  make(map[string]uint64),
		}
	}
	return r
}

// Shards returns the number of shards.
func (r *Recorder) Shards() int { return len(r.shards) }

// Shard returns shard i; each recording goroutine should own one.
func (r *Recorder) Shard(i int) *Shard { return r.shards[i] }

// Shard is one goroutine's share of a Recorder.
type Shard struct {
	mu        sync.Mutex // held by Record and the once-a-second progress reader
	corrected *hdrhistogram.Histogram
	raw       *hdrhistogram.Histogram
	requests  uint64
	successes uint64
	errors    uint64
	codes     [1000]uint64
	outcomes  map[string]uint64
	series    intervals
	lastSent  time.Duration
	lastEnd   time.Duration
}

// Record adds one observation. It does not allocate once the shard has seen
// the outcome and the second before.
func (s *Shard) Record(o Observation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.outcomes[o.Outcome]++
	if int(o.Code) < len(s.codes) {
		s.codes[o.Code]++
	}
	s.lastSent = max(s.lastSent, o.Sent)
	s.lastEnd = max(s.lastEnd, o.Sent+o.Raw)
	s.series.send(o.Sent)
	if o.Outcome == OutcomeCanceled {
		return
	}
	ok := o.Outcome == OutcomeOK
	if ok {
		s.successes++
	} else {
		s.errors++
	}
	corrected := micros(o.Corrected)
	// Values are clamped into range, so recording cannot fail.
	_ = s.corrected.RecordValue(corrected)
	_ = s.raw.RecordValue(micros(o.Raw))
	s.series.record(o.Intended, corrected, !ok && !IsExpected(o.Outcome))
}

// tally is what the progress line reads while a run is live.
type tally struct {
	requests, errors uint64
	p99              time.Duration
}

// tally sums the shards; scratch is reset and receives every shard's
// corrected histogram, so the caller can reuse it each second.
func (r *Recorder) tally(scratch *hdrhistogram.Histogram) tally {
	scratch.Reset()
	var t tally
	for _, s := range r.shards {
		s.mu.Lock()
		t.requests += s.requests
		t.errors += s.errors
		scratch.Merge(s.corrected)
		s.mu.Unlock()
	}
	t.p99 = time.Duration(scratch.ValueAtQuantile(99)) * time.Microsecond
	return t
}
