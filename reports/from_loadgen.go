package reports

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/zeroloss"
)

// StreamOf turns a loadgen summary into a Stream. runStart is Run.Start: the
// summary's seconds shift by the whole seconds between the two starts.
// Seconds before warmup (seconds since runStart) are left out of Latency;
// they stay in the series and in the counts. Failures are counted by outcome,
// leaving out "ok" and "canceled" (cut off by the run's end, not the
// system's fault).
func StreamOf(name, kind string, s *loadgen.Summary, runStart time.Time, warmup float64) (Stream, error) {
	tl, err := TimelineOf(s, runStart, warmup)
	if err != nil {
		return Stream{}, fmt.Errorf("stream %s: %w", name, err)
	}
	st := Stream{Name: name, Kind: kind, Series: tl.Series, Latency: tl.Latency, Requests: s.Requests}
	for outcome, n := range s.Outcomes {
		if outcome == loadgen.OutcomeOK || outcome == loadgen.OutcomeCanceled || n == 0 {
			continue
		}
		if st.ErrorsByCode == nil {
			st.ErrorsByCode = map[string]uint64{}
		}
		st.ErrorsByCode[outcome] += n
		st.Errors += n
	}
	return st, nil
}

// TimelineOf turns a loadgen summary into a Timeline (see StreamOf). When the
// summary has no per-second histograms, Latency falls back to its whole
// corrected distribution, warm-up included.
func TimelineOf(s *loadgen.Summary, runStart time.Time, warmup float64) (Timeline, error) {
	off := 0
	if !runStart.IsZero() && !s.Start.IsZero() {
		off = int(s.Start.Sub(runStart).Round(time.Second) / time.Second)
	}
	var tl Timeline
	merged := hdrhistogram.NewPacked(1, int64(time.Hour/time.Microsecond), 3)
	perSecond := false
	for _, x := range s.Series {
		sec := Second{
			Second: x.Second + off, Target: float64(x.Target), Achieved: float64(x.Sent),
			Errors: x.Errors, Count: x.Requests, P50: x.P50.Seconds() * 1000, P99: x.P99.Seconds() * 1000,
		}
		if x.Hist != "" {
			h, err := Histogram(x.Hist)
			if err != nil {
				return Timeline{}, fmt.Errorf("second %d: %w", x.Second, err)
			}
			l := latencyOf(h)
			sec.Count, sec.P50, sec.P90, sec.P99, sec.Max = l.Count, l.P50, l.P90, l.P99, l.Max
			if float64(sec.Second) >= warmup {
				if dropped := merged.Merge(h); dropped != 0 {
					return Timeline{}, fmt.Errorf("second %d: %d values out of range", x.Second, dropped)
				}
			}
			perSecond = true
		}
		tl.Series = append(tl.Series, sec)
	}
	if !perSecond {
		l, err := LatencyOf(s.Corrected.Hist)
		if err != nil {
			return Timeline{}, fmt.Errorf("corrected: %w", err)
		}
		tl.Latency = l
		return tl, nil
	}
	enc, err := merged.Encode()
	if err != nil {
		return Timeline{}, fmt.Errorf("encode latency: %w", err)
	}
	tl.Latency = latencyOf(merged)
	tl.Latency.Hist = string(enc)
	return tl, nil
}

// MessagesCheck is the "messages" check of a zero-loss report: it passes when
// nothing acknowledged was lost and nothing unexpected arrived.
func MessagesCheck(r zeroloss.Report) Check {
	c := Check{Name: "messages", Pass: r.OK(), Detail: r.String(), Figures: map[string]int64{
		"attempted": int64(r.Attempted), "acked": int64(r.Acked), "received": int64(r.Received),
		"deliveries": int64(r.Deliveries), "lost": int64(r.Lost), "unexpected": int64(r.Unexpected),
		"duplicates": int64(r.Duplicates), "unacked_delivered": int64(r.UnackedDelivered),
	}}
	if len(r.LostKeys) > 0 {
		c.Detail += fmt.Sprintf("; lost keys include %v", r.LostKeys)
	}
	return c
}
