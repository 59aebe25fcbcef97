package loadgen

import (
	"errors"
	"fmt"
	"maps"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Models of a run.
const (
	ModelOpen   = "open"
	ModelClosed = "closed"
)

// Summary is the result of a run, or of several agents' runs merged. It is
// JSON; the histograms inside are V2 compressed HdrHistograms in microseconds.
type Summary struct {
	Name  string `json:"name,omitempty"`
	Model string `json:"model"`
	// Agents counts the runs merged into this summary.
	Agents int       `json:"agents"`
	Start  time.Time `json:"start"`
	// Duration runs from Start to the last send; Wait from there to the last
	// response.
	Duration time.Duration `json:"duration"`
	Wait     time.Duration `json:"wait"`
	// Requests counts hits with a result; Successes those classified OutcomeOK.
	Requests  uint64 `json:"requests"`
	Successes uint64 `json:"successes"`
	// Unsent counts hits the schedule had due that were never sent: the
	// backlog left when the drain time ran out or the run was cancelled.
	Unsent uint64 `json:"unsent"`
	// Rate is hits sent per second over Duration; Throughput successes per
	// second over Duration+Wait.
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	// Corrected is measured from the intended send time (open model), Raw from
	// the actual one; they are equal in the closed model.
	Corrected Distribution `json:"corrected"`
	Raw       Distribution `json:"raw"`
	// Codes counts results by HTTP status (0: no response); Outcomes by the
	// classifier's name.
	Codes    map[uint16]uint64 `json:"codes"`
	Outcomes map[string]uint64 `json:"outcomes"`
	Series   []Second          `json:"series"`
	// Stopped says why the run ended: done, max-hits, drain, canceled,
	// pacer, targeter (or mixed, for merged runs that ended differently).
	Stopped string `json:"stopped,omitempty"`
}

// Distribution is one latency histogram and its usual quantiles.
type Distribution struct {
	Count uint64        `json:"count"`
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
	// Hist is the V2 compressed HdrHistogram, in microseconds.
	Hist string `json:"hist"`
}

// Histogram decodes the distribution's histogram (empty if there is none).
func (d Distribution) Histogram() (*hdrhistogram.PackedHistogram, error) {
	if d.Hist == "" {
		return newPacked(), nil
	}
	return decodeHistogram(d.Hist)
}

// quantiled is what dense and packed histograms both answer.
type quantiled interface {
	TotalCount() int64
	Mean() float64
	Max() int64
	ValueAtPercentile(float64) int64
}

func distributionOf(h quantiled, encoded []byte) Distribution {
	d := Distribution{Count: uint64(h.TotalCount()), Hist: string(encoded)}
	if d.Count == 0 {
		return d
	}
	d.Mean = time.Duration(h.Mean() * float64(time.Microsecond))
	d.P50 = usToDuration(h.ValueAtPercentile(50))
	d.P90 = usToDuration(h.ValueAtPercentile(90))
	d.P99 = usToDuration(h.ValueAtPercentile(99))
	d.P999 = usToDuration(h.ValueAtPercentile(99.9))
	d.Max = usToDuration(h.Max())
	return d
}

func usToDuration(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// decodeHistogram decodes a V2 compressed histogram and insists on the
// package's geometry, so merging it is lossless. Packed decoding allocates by
// the buckets present, never by a range an outside input claims.
func decodeHistogram(s string) (*hdrhistogram.PackedHistogram, error) {
	h, err := hdrhistogram.DecodePacked([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	if h.LowestTrackableValue() != histLowest || h.HighestTrackableValue() != histHighest || h.SignificantFigures() != histDigits {
		return nil, fmt.Errorf("histogram geometry %d..%d/%d, want %d..%d/%d",
			h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), histLowest, histHighest, histDigits)
	}
	return h, nil
}

// mergeDistributions decodes a and b and returns their sum.
func mergeDistributions(a, b Distribution) (Distribution, error) {
	ha, err := a.Histogram()
	if err != nil {
		return Distribution{}, err
	}
	hb, err := b.Histogram()
	if err != nil {
		return Distribution{}, err
	}
	if dropped := ha.Merge(hb); dropped != 0 {
		return Distribution{}, fmt.Errorf("merge histograms: %d values dropped", dropped)
	}
	enc, err := ha.Encode()
	if err != nil {
		return Distribution{}, fmt.Errorf("encode histogram: %w", err)
	}
	return distributionOf(ha, enc), nil
}

// Summary merges the shards into a summary of a run started at start, once
// recording is over (a live call is safe but not a consistent snapshot). The
// caller fills Name, Model, Stopped, Unsent and the series' Target.
func (r *Recorder) Summary(start time.Time) (*Summary, error) {
	corrected, raw := newHistogram(), newHistogram()
	s := &Summary{Agents: 1, Start: start, Codes: map[uint16]uint64{}, Outcomes: map[string]uint64{}}
	var lastEnd time.Duration
	for _, sh := range r.shards {
		sh.mu.Lock()
		corrected.Merge(sh.corrected)
		raw.Merge(sh.raw)
		s.Requests += sh.requests
		s.Successes += sh.successes
		for code, n := range sh.codes {
			if n != 0 {
				s.Codes[uint16(code)] += n
			}
		}
		for k, n := range sh.outcomes {
			s.Outcomes[k] += n
		}
		s.Duration = max(s.Duration, sh.lastSent)
		lastEnd = max(lastEnd, sh.lastEnd)
		sh.mu.Unlock()
	}
	s.Wait = max(lastEnd-s.Duration, 0)
	var err error
	if s.Corrected, err = encodeDistribution(corrected); err != nil {
		return nil, err
	}
	if s.Raw, err = encodeDistribution(raw); err != nil {
		return nil, err
	}
	for _, sh := range r.shards {
		sh.mu.Lock()
	}
	s.Series, err = seriesOf(r.shards)
	for _, sh := range r.shards {
		sh.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	s.derive()
	return s, nil
}

func encodeDistribution(h *hdrhistogram.Histogram) (Distribution, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return Distribution{}, fmt.Errorf("encode histogram: %w", err)
	}
	return distributionOf(h, enc), nil
}

// derive computes the rates from the counts and times.
func (s *Summary) derive() {
	s.Rate, s.Throughput = 0, 0
	if s.Duration > 0 {
		s.Rate = float64(s.Requests) / s.Duration.Seconds()
	}
	if total := s.Duration + s.Wait; total > 0 {
		s.Throughput = float64(s.Successes) / total.Seconds()
	}
}

// Merge adds o (another agent's run of the same model) to s. The series are
// aligned on wall-clock seconds: o's seconds shift by the whole seconds
// between the two starts, so agents should start together. A Summary's zero
// value is an empty accumulator. On error s is unchanged.
func (s *Summary) Merge(o *Summary) error {
	empty := s.Agents == 0 && s.Requests == 0 && s.Start.IsZero()
	m := Summary{Name: s.Name, Model: s.Model, Stopped: s.Stopped, Start: s.Start}
	if empty {
		m.Name, m.Model, m.Stopped, m.Start = o.Name, o.Model, o.Stopped, o.Start
	}
	if m.Model != o.Model {
		return fmt.Errorf("merge %s run into %s run: models differ", o.Model, m.Model)
	}
	if m.Stopped != o.Stopped {
		m.Stopped = "mixed"
	}
	if o.Start.Before(m.Start) {
		m.Start = o.Start
	}
	offS, offO := wholeSeconds(s.Start.Sub(m.Start)), wholeSeconds(o.Start.Sub(m.Start))
	if empty {
		offS = 0
	}
	if offS >= maxSeconds || offO >= maxSeconds {
		return errors.New("merge: runs start too far apart")
	}
	end := o.Start.Add(o.Duration)
	last := end.Add(o.Wait)
	if !empty {
		if e := s.Start.Add(s.Duration); e.After(end) {
			end = e
		}
		if l := s.Start.Add(s.Duration + s.Wait); l.After(last) {
			last = l
		}
	}
	m.Duration, m.Wait = end.Sub(m.Start), last.Sub(end)
	m.Agents = s.Agents + max(o.Agents, 1)
	m.Requests = s.Requests + o.Requests
	m.Successes = s.Successes + o.Successes
	m.Unsent = s.Unsent + o.Unsent
	m.Codes = maps.Clone(s.Codes)
	if m.Codes == nil {
		m.Codes = map[uint16]uint64{}
	}
	for k, n := range o.Codes {
		m.Codes[k] += n
	}
	m.Outcomes = maps.Clone(s.Outcomes)
	if m.Outcomes == nil {
		m.Outcomes = map[string]uint64{}
	}
	for k, n := range o.Outcomes {
		m.Outcomes[k] += n
	}
	var err error
	if m.Corrected, err = mergeDistributions(s.Corrected, o.Corrected); err != nil {
		return fmt.Errorf("merge corrected: %w", err)
	}
	if m.Raw, err = mergeDistributions(s.Raw, o.Raw); err != nil {
		return fmt.Errorf("merge raw: %w", err)
	}
	if m.Series, err = mergeSeries(s.Series, offS, o.Series, offO); err != nil {
		return fmt.Errorf("merge series: %w", err)
	}
	m.derive()
	*s = m
	return nil
}

// wholeSeconds rounds d to whole seconds.
func wholeSeconds(d time.Duration) int {
	return int(d.Round(time.Second) / time.Second)
}
