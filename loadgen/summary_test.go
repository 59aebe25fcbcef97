package loadgen

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

func summaryOf(t *testing.T, start time.Time, obs []Observation, shift time.Duration) *Summary {
	t.Helper()
	r := NewRecorder(3)
	for i, o := range obs {
		o.Intended += shift
		o.Sent += shift
		r.Shard(i % 3).Record(o)
	}
	s, err := r.Summary(start)
	if err != nil {
		t.Fatal(err)
	}
	s.Model = ModelOpen
	return s
}

func TestSummaryJSONRoundTrip(t *testing.T) {
	start := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	s := summaryOf(t, start, observations(3000, 11), 0)
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Start.Equal(s.Start) || back.Duration != s.Duration || back.Rate != s.Rate {
		t.Fatalf("round trip changed the run: %v %v %v vs %v %v %v", back.Start, back.Duration, back.Rate, s.Start, s.Duration, s.Rate)
	}
	assertSameSummary(t, s, &back)
}

// Two agents that started two seconds apart merge into what one recorder of
// all their hits would have produced, series aligned on the wall clock.
func TestSummaryMergeAcrossAgents(t *testing.T) {
	start := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	obsA, obsB := observations(4000, 1), observations(3000, 2)
	a := summaryOf(t, start, obsA, 0)
	b := summaryOf(t, start.Add(2*time.Second), obsB, 0)
	all := summaryOf(t, start, append(append([]Observation{}, obsA...), shifted(obsB, 2*time.Second)...), 0)

	var merged Summary // the zero value accumulates
	for _, s := range []*Summary{b, a} {
		if err := merged.Merge(s); err != nil {
			t.Fatal(err)
		}
	}
	if merged.Agents != 2 || !merged.Start.Equal(start) || merged.Duration != all.Duration || merged.Wait != all.Wait {
		t.Fatalf("agents %d start %v duration %v wait %v; want 2, %v, %v, %v",
			merged.Agents, merged.Start, merged.Duration, merged.Wait, start, all.Duration, all.Wait)
	}
	assertSameSummary(t, all, &merged)
}

func shifted(obs []Observation, d time.Duration) []Observation {
	out := make([]Observation, len(obs))
	for i, o := range obs {
		o.Intended += d
		o.Sent += d
		out[i] = o
	}
	return out
}

func TestSummaryMergeRejects(t *testing.T) {
	start := time.Now()
	good := summaryOf(t, start, observations(100, 5), 0)
	closed := *good
	closed.Model = ModelClosed
	badHist := *good
	badHist.Raw.Hist = "not a histogram"
	otherGeometry := *good
	other := hdrhistogram.New(1, 1000, 2)
	other.RecordValue(5)
	enc, err := other.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	otherGeometry.Corrected.Hist = string(enc)
	farApart := *good
	farApart.Start = start.Add(100 * 24 * time.Hour)
	negative := *good
	negative.Series = []Second{{Second: -1}}
	tests := []struct {
		name    string
		o       *Summary
		wantErr string
	}{
		{"model", &closed, "models differ"},
		{"histogram", &badHist, "decode histogram"},
		{"geometry", &otherGeometry, "geometry"},
		{"far apart", &farApart, "too far apart"},
		{"negative second", &negative, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summaryOf(t, start, observations(100, 5), 0)
			before, _ := json.Marshal(s)
			if err := s.Merge(tc.o); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("merge error %v, want one about %q", err, tc.wantErr)
			}
			after, _ := json.Marshal(s)
			if string(before) != string(after) {
				t.Fatal("a failed merge changed the summary")
			}
		})
	}
}

// Summaries arrive from other agents as JSON: decoding and merging any input
// must fail cleanly or keep the counts consistent, never panic.
func FuzzSummaryMerge(f *testing.F) {
	start := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	r := NewRecorder(1)
	for _, o := range observations(50, 9) {
		r.Shard(0).Record(o)
	}
	seed, _ := r.Summary(start)
	seed.Model = ModelOpen
	data, _ := json.Marshal(seed)
	f.Add(data)
	f.Add([]byte(`{"model":"open","series":[{"second":3,"hist":"x"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in Summary
		if json.Unmarshal(data, &in) != nil {
			return
		}
		var acc Summary
		if err := acc.Merge(&in); err != nil {
			return
		}
		if acc.Corrected.Count > 0 && acc.Corrected.Max < acc.Corrected.P50 {
			t.Fatalf("max %v below p50 %v", acc.Corrected.Max, acc.Corrected.P50)
		}
		for i := 1; i < len(acc.Series); i++ {
			if acc.Series[i].Second <= acc.Series[i-1].Second {
				t.Fatalf("series out of order: %d after %d", acc.Series[i].Second, acc.Series[i-1].Second)
			}
		}
	})
}
