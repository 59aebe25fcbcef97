package accounting

import (
	"maps"
	"strings"
	"testing"

	"github.com/toplab/toplab/loadgen"
)

func summary(requests, unsent uint64, outcomes map[string]uint64) *loadgen.Summary {
	return &loadgen.Summary{Requests: requests, Unsent: unsent, Outcomes: outcomes}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		sum  *loadgen.Summary
		sent uint64
		want Result
	}{
		{
			name: "everything accounted",
			sum:  summary(100, 4, map[string]uint64{"ok": 88, "expected:25": 5, "top:7": 3, "http_503": 1, "error:timeout": 2, "canceled": 1}),
			sent: 100,
			want: Result{Sent: 100, Recorded: 100, OK: 88, Expected: 5, Canceled: 1, Unsent: 4, Pass: true,
				ClassifiedErrors: map[string]uint64{"top:7": 3, "http_503": 1}, Transport: map[string]uint64{"error:timeout": 2}},
		},
		{
			name: "vanished",
			sum:  summary(97, 0, map[string]uint64{"ok": 97}),
			sent: 100,
			want: Result{Sent: 100, Recorded: 97, OK: 97, Vanished: 3},
		},
		{
			name: "recorded more than sent",
			sum:  summary(12, 0, map[string]uint64{"ok": 12}),
			sent: 10,
			want: Result{Sent: 10, Recorded: 12, OK: 12, Extra: 2},
		},
		{
			name: "misclassified bad requests",
			sum:  summary(10, 0, map[string]uint64{"ok": 7, "wrong-success": 1, "unexpected:22": 2}),
			sent: 10,
			want: Result{Sent: 10, Recorded: 10, OK: 7, Unexpected: 3, Anomalies: map[string]uint64{"wrong-success": 1, "unexpected:22": 2}},
		},
		{
			name: "unclassified answers",
			sum:  summary(10, 0, map[string]uint64{"ok": 8, "unclassified": 1, "error:other": 1}),
			sent: 10,
			want: Result{Sent: 10, Recorded: 10, OK: 8, Unclassified: 2, Anomalies: map[string]uint64{"unclassified": 1, "error:other": 1}},
		},
		{
			name: "no source count: the summary must add up",
			sum:  summary(10, 0, map[string]uint64{"ok": 9}),
			want: Result{Sent: 10, Recorded: 9, OK: 9, Vanished: 1, Anomalies: map[string]uint64{"requests-not-in-outcomes": 1}},
		},
		{
			name: "zero counts are ignored",
			sum:  summary(2, 0, map[string]uint64{"ok": 2, "top:7": 0}),
			sent: 2,
			want: Result{Sent: 2, Recorded: 2, OK: 2, Pass: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.sum, tc.sent)
			w := tc.want
			for _, m := range []*map[string]uint64{&w.ClassifiedErrors, &w.Transport, &w.Anomalies} {
				if *m == nil {
					*m = map[string]uint64{}
				}
			}
			if !equal(got, w) {
				t.Fatalf("got  %+v\nwant %+v", got, w)
			}
			if s := got.String(); !strings.HasPrefix(s, "accounting PASS") != !got.Pass {
				t.Fatalf("String %q disagrees with Pass %v", s, got.Pass)
			}
		})
	}
}

func equal(a, b Result) bool {
	return maps.Equal(a.ClassifiedErrors, b.ClassifiedErrors) && maps.Equal(a.Transport, b.Transport) &&
		maps.Equal(a.Anomalies, b.Anomalies) &&
		a.Sent == b.Sent && a.Recorded == b.Recorded && a.OK == b.OK && a.Expected == b.Expected &&
		a.Canceled == b.Canceled && a.Unexpected == b.Unexpected && a.Unclassified == b.Unclassified &&
		a.Vanished == b.Vanished && a.Extra == b.Extra && a.Unsent == b.Unsent && a.Pass == b.Pass
}

func TestStringListsWhatIsNotASuccess(t *testing.T) {
	r := Check(summary(9, 1, map[string]uint64{"ok": 5, "top:7": 2, "error:reset": 1, "wrong-success": 1}), 10)
	s := r.String()
	for _, want := range []string{"accounting FAIL", "sent 10", "(top:7 2)", "(error:reset 1)", "(wrong-success 1)", "vanished 1", "unsent 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}
