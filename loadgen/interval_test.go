package loadgen

import (
	"testing"
	"time"
)

func TestSeriesBucketsByIntendedSecond(t *testing.T) {
	ms := time.Millisecond
	obs := []Observation{
		{Intended: 500 * ms, Sent: 500 * ms, Corrected: 10 * ms, Raw: 10 * ms, Code: 200, Outcome: OutcomeOK},
		// due in second 1, sent in second 3: its latency belongs to second 1
		{Intended: 1200 * ms, Sent: 3100 * ms, Corrected: 1910 * ms, Raw: 10 * ms, Code: 200, Outcome: OutcomeOK},
		{Intended: 1900 * ms, Sent: 1900 * ms, Corrected: 30 * ms, Raw: 30 * ms, Code: 500, Outcome: "http_500"},
		{Intended: 3 * time.Second, Sent: 3 * time.Second, Corrected: 40 * ms, Raw: 40 * ms, Code: 200, Outcome: OutcomeOK},
		{Intended: -time.Second, Sent: 0, Corrected: ms, Raw: ms, Code: 200, Outcome: OutcomeOK}, // before the start: second 0
		{Intended: 2 * time.Second, Sent: 2 * time.Second, Code: 0, Outcome: OutcomeCanceled},    // no latency
	}
	r := NewRecorder(2)
	for i, o := range obs {
		r.Shard(i % 2).Record(o)
	}
	s, err := r.Summary(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		requests, errors, sent uint64
		p99                    time.Duration
	}{
		{2, 0, 2, 10 * ms},
		{2, 1, 1, 1910 * ms},
		{0, 0, 1, 0},
		{1, 0, 2, 40 * ms},
	}
	if len(s.Series) != len(want) {
		t.Fatalf("%d seconds, want %d: %+v", len(s.Series), len(want), s.Series)
	}
	for i, w := range want {
		got := s.Series[i]
		// HdrHistogram keeps 3 significant digits: allow 0.1%.
		if got.Second != i || got.Requests != w.requests || got.Errors != w.errors || got.Sent != w.sent ||
			got.P99 < w.p99 || got.P99 > w.p99+w.p99/1000 {
			t.Errorf("second %d = %+v, want requests %d errors %d sent %d p99 %v", i, got, w.requests, w.errors, w.sent, w.p99)
		}
	}
}

func TestSecondOfBounds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{-5 * time.Second, 0}, {0, 0}, {999 * time.Millisecond, 0}, {time.Second, 1},
		{61*time.Second + 1, 61}, {1 << 62, maxSeconds - 1},
	}
	for _, tc := range tests {
		if got := secondOf(tc.d); got != tc.want {
			t.Errorf("secondOf(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
