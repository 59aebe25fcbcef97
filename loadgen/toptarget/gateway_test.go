package toptarget

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/system/top"
)

// Every defect, alone in a call or a batch, in either format, is answered
// with its code, and the classifier says so for the hit and for each call.
func TestEveryBadKindGetsItsCode(t *testing.T) {
	e := newEnv(t, 3, 2, 3)
	const hits, size = 6, 4
	for _, kind := range BadKindList() {
		for _, format := range []top.Format{top.FormatJSON, top.FormatXML} {
			for _, batch := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/batch=%v", kind, format, batch), func(t *testing.T) {
					cfg := e.config()
					cfg.BadFraction, cfg.BadKinds = 1, map[BadKind]float64{kind: 1}
					cfg.Formats = map[top.Format]float64{format: 1}
					cfg.SignMethods = map[top.SignMethod]float64{top.SignMD5: 1, top.SignHMAC: 1, top.SignHMACSHA256: 1}
					cfg.BatchSize = size
					if batch {
						cfg.BatchFraction = 1
					}
					tr, err := New(cfg)
					if err != nil {
						t.Fatal(err)
					}
					classify := tr.Classifier()
					want := expectedNames.of(kind.Code())
					for i, tgt := range generate(t, tr, hits) {
						r := send(t, &tgt)
						if got := classify(r); got != want {
							t.Fatalf("hit %d: outcome %q, want %q\n%s", i, got, want, r.Body)
						}
					}
					calls := tr.Calls()
					wantCalls := map[string]uint64{want: hits}
					switch {
					case batch && kind.perItem(): // one bad item, the rest fine
						wantCalls["ok"] = hits * (size - 1)
					case batch: // the whole batch refused: every call with it
						wantCalls[want] = hits * size
					}
					if !maps.Equal(calls.Outcomes, wantCalls) || calls.Issued != sum(wantCalls) {
						t.Fatalf("calls %+v, want %v", calls, wantCalls)
					}
				})
			}
		}
	}
}

func sum(m map[string]uint64) (n uint64) {
	for _, v := range m {
		n += v
	}
	return n
}

// A short closed-model run of the whole population: every hit and call is
// ok or got the error it was built for, the mix of them is as configured,
// and nothing is lost between the targeter and the recorder.
func TestShortRunHasNoUnexplainedOutcomes(t *testing.T) {
	e := newEnv(t, 20, 4, 5)
	cfg := e.config()
	cfg.BatchFraction, cfg.BatchSize, cfg.BadFraction = 0.2, 5, 0.1
	cfg.SignMethods = map[top.SignMethod]float64{top.SignMD5: 2, top.SignHMAC: 1, top.SignHMACSHA256: 1}
	cfg.Formats = map[top.Format]float64{top.FormatJSON: 3, top.FormatXML: 1}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const hits = 300
	res, err := loadgen.Closed(context.Background(), tr.Targeter(), loadgen.Options{
		Concurrency: 4, MaxHits: hits, Duration: time.Minute, Classifier: tr.Classifier(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != hits || tr.Issued() != hits {
		t.Fatalf("requests %d, issued %d, want %d", res.Requests, tr.Issued(), hits)
	}
	if !explained(res.Outcomes) {
		t.Fatalf("unexplained hit outcomes: %v", res.Outcomes)
	}
	var bad uint64
	for name, n := range res.Outcomes {
		if name != loadgen.OutcomeOK {
			bad += n
		}
	}
	// 10% of 300 hits are bad: 30 expected, binomial sd 5.2; 10..50 is
	// far outside chance for a fixed seed, yet catches a broken fraction.
	if bad < 10 || bad > 50 {
		t.Fatalf("%d deliberately bad hits of %d, want about 10%%: %v", bad, hits, res.Outcomes)
	}
	calls := tr.Calls()
	if !explained(calls.Outcomes) || calls.Issued != sum(calls.Outcomes) {
		t.Fatalf("calls issued %d, classified %v", calls.Issued, calls.Outcomes)
	}
	if calls.Issued <= hits {
		t.Fatalf("calls %d: the run sent no batches", calls.Issued)
	}
}
