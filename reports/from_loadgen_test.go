package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/zeroloss"
)

// recorded runs 10 seconds through a real loadgen recorder: 10 hits a second,
// 1 ms each during the 3-second warm-up and 20 ms after, one 503 a second
// from second 5 and one cancelled hit at the end.
func recorded(t *testing.T) *loadgen.Summary {
	t.Helper()
	rec := loadgen.NewRecorder(1)
	sh := rec.Shard(0)
	for s := range 10 {
		for i := range 10 {
			at := time.Duration(s)*time.Second + time.Duration(i)*100*time.Millisecond
			lat := time.Millisecond
			if s >= 3 {
				lat = 20 * time.Millisecond
			}
			o := loadgen.Observation{Intended: at, Sent: at, Corrected: lat, Raw: lat, Code: 200, Outcome: loadgen.OutcomeOK}
			if s >= 5 && i == 0 {
				o.Code, o.Outcome = 503, "http_503"
			}
			sh.Record(o)
		}
	}
	sh.Record(loadgen.Observation{Intended: 9900 * time.Millisecond, Sent: 9900 * time.Millisecond, Outcome: loadgen.OutcomeCanceled})
	start := time.Date(2025, 11, 11, 0, 0, 2, 0, time.UTC)
	sum, err := rec.Summary(start)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sum.Series {
		sum.Series[i].Target = 10
	}
	return sum
}

func TestStreamOf(t *testing.T) {
	sum := recorded(t)
	runStart := sum.Start.Add(-2 * time.Second) // the stream began 2 s into the run
	st, err := StreamOf("api", KindAPI, sum, runStart, 5)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 101 || st.Errors != 5 || st.ErrorsByCode["http_503"] != 5 || len(st.ErrorsByCode) != 1 {
		t.Errorf("requests %d errors %d by code %v, want 101, 5, {http_503: 5}", st.Requests, st.Errors, st.ErrorsByCode)
	}
	if len(st.Series) != 10 || st.Series[0].Second != 2 || st.Series[9].Second != 11 {
		t.Fatalf("series %+v: want seconds 2..11", st.Series)
	}
	s := st.Series[4]
	if s.Target != 10 || s.Achieved != 10 || s.Count != 10 || s.P90 < 19.9 || s.P90 > 20.1 || s.Max < 19.9 {
		t.Errorf("second %+v: want target 10, achieved 10, 10 latencies of 20 ms", s)
	}
	// Run seconds 5.. are stream seconds 3..: all 20 ms; the 1 ms warm-up
	// hits are left out.
	if st.Latency.Count != 70 || st.Latency.P50 < 19.9 || st.Latency.P50 > 20.1 {
		t.Errorf("latency %+v: want 70 values of 20 ms", st.Latency)
	}
	if l, err := LatencyOf(st.Latency.Hist); err != nil || l.Count != 70 {
		t.Errorf("latency histogram does not decode to its count: %v, %d", err, l.Count)
	}
	all, err := StreamOf("api", KindAPI, sum, runStart, 0)
	if err != nil || all.Latency.Count != 100 || all.Latency.Mean > 15 { // 30 x 1 ms + 70 x 20 ms
		t.Errorf("without warm-up: %v, %+v", err, all.Latency)
	}
}

func TestTimelineOfWithoutSeriesHistograms(t *testing.T) {
	sum := recorded(t)
	for i := range sum.Series {
		sum.Series[i].Hist = ""
	}
	tl, err := TimelineOf(sum, time.Time{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Latency.Count != sum.Corrected.Count {
		t.Errorf("fallback latency count %d, want the summary's %d", tl.Latency.Count, sum.Corrected.Count)
	}
}

func TestTimelineOfRejectsBadHistogram(t *testing.T) {
	sum := recorded(t)
	sum.Series[3].Hist = "not a histogram"
	if _, err := TimelineOf(sum, time.Time{}, 0); err == nil {
		t.Error("accepted a broken per-second histogram")
	}
}

func TestMessagesCheck(t *testing.T) {
	tests := []struct {
		name     string
		record   func(h *zeroloss.History)
		wantPass bool
		lost     int64
	}{
		{"clean", func(h *zeroloss.History) { h.Attempt(1); h.Ack(1); h.Receive(1) }, true, 0},
		{"lost", func(h *zeroloss.History) { h.Attempt(1); h.Ack(1); h.Attempt(2); h.Ack(2); h.Receive(2) }, false, 1},
		{"duplicate is fine", func(h *zeroloss.History) { h.Attempt(1); h.Ack(1); h.Receive(1); h.Receive(1) }, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := zeroloss.New()
			tt.record(h)
			c := MessagesCheck(h.Check())
			if c.Pass != tt.wantPass || c.Figures["lost"] != tt.lost || c.Name != "messages" {
				t.Errorf("check %+v", c)
			}
			if tt.lost > 0 && !strings.Contains(c.Detail, "lost keys include [1]") {
				t.Errorf("detail %q does not name the lost key", c.Detail)
			}
		})
	}
}
