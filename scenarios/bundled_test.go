package scenarios

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBundledNames(t *testing.T) {
	if got := BundledNames(); !slices.Equal(got, []string{"double11", "smoke"}) {
		t.Fatalf("bundled %v", got)
	}
	if _, err := Bundled("nope"); err == nil || !strings.Contains(err.Error(), "have double11, smoke") {
		t.Fatalf("Bundled(nope) = %v", err)
	}
}

// Every bundled scenario is valid, named after its file, the same whether
// read from the binary or from disk, and judges every SLO kind.
func TestBundledScenarios(t *testing.T) {
	for _, name := range BundledNames() {
		t.Run(name, func(t *testing.T) {
			s, err := Bundled(name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name {
				t.Errorf("name %q in %s.yaml", s.Name, name)
			}
			disk, err := Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(exported(s), exported(disk)) {
				t.Error("bundled and on-disk scenarios differ")
			}
			if s.Streams.API == nil || s.Streams.Orders == nil || s.Streams.Push == nil {
				t.Error("a bundled scenario runs every stream")
			}
			for _, kind := range []struct {
				path string
				set  bool
			}{{"slo.api_p99", s.SLO.APIP99.Default > 0}, {"slo.api_error_rate", s.has("slo.api_error_rate")},
				{"slo.push_e2e_p99", s.SLO.PushE2EP99 > 0}, {"slo.sync_freshness_p99", s.SLO.SyncFreshP99 > 0},
				{"slo.lost_messages", s.has("slo.lost_messages") && s.SLO.LostMessages == 0},
				{"slo.order_differences", s.has("slo.order_differences") && s.SLO.OrderDifferences == 0}} {
				if !kind.set {
					t.Errorf("%s not set (zero-loss ones explicitly 0)", kind.path)
				}
			}
			if s.WarmupDuration() == 0 {
				t.Error("no warm-up phase")
			}
		})
	}
}

// exported drops the unexported bookkeeping (positions, file system).
func exported(s *Scenario) *Scenario {
	c := s.Clone()
	c.file, c.fsys, c.dir, c.vals, c.keys, c.swept, c.sweeps = "", nil, "", nil, nil, nil, nil
	return c
}

func TestDouble11FitsEightMinutes(t *testing.T) {
	s, err := Bundled("double11")
	if err != nil {
		t.Fatal(err)
	}
	if run := s.TotalDuration() + s.Settle; run > 8*time.Minute || s.MaxDuration != 8*time.Minute {
		t.Errorf("phases %s + settle %s = %s, max_duration %s; want <= 8m", s.TotalDuration(), s.Settle, run, s.MaxDuration)
	}
	// The night is one double11 shape per request stream over every phase
	// after the warm-up, so phase boundaries do not restart the curve.
	for _, stream := range []string{StreamAPI, StreamOrders} {
		ps := s.Pieces(stream)
		if len(ps) != 2 || ps[1].Shape == nil || ps[1].Shape.Kind != KindDouble11 || ps[1].Start+ps[1].Duration != s.TotalDuration() {
			t.Errorf("%s pieces %+v", stream, ps)
			continue
		}
		d := ps[1].Shape.Double11
		if d.PreSale == nil || d.Ramp > 30*time.Second || d.Peak != 1 || d.Tail.Rate >= d.Peak/10 {
			t.Errorf("%s: want a pre-sale wave, a ramp of seconds, the peak at 1 and a low tail, got %+v", stream, d)
		}
		// The night's curve fills its phases: it ends where the run does.
		if end := d.Midnight + d.Ramp + d.Hold + d.Tail.Duration; end != ps[1].Duration {
			t.Errorf("%s: the double11 shape ends at %s, its phases at %s", stream, end, ps[1].Duration)
		}
	}
	if got := s.CalibratedStreams(); !slices.Equal(got, []string{StreamAPI, StreamOrders}) || s.Scale <= 0 {
		t.Errorf("calibrated %v scale %g", got, s.Scale)
	}
	if !s.Calibration.Cache {
		t.Error("calibration not cached")
	}
}

func TestSmokeIsShortAndNeedsNoCalibration(t *testing.T) {
	s, err := Bundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if run := s.TotalDuration() + s.Settle; run >= time.Minute {
		t.Errorf("smoke takes %s, want < 1m", run)
	}
	if got := s.CalibratedStreams(); len(got) != 0 {
		t.Errorf("smoke calibrates %v", got)
	}
	if s.Peak(StreamAPI, 1e9) != 200 || s.Peak(StreamOrders, 1e9) != 50 {
		t.Errorf("peaks %g %g", s.Peak(StreamAPI, 1e9), s.Peak(StreamOrders, 1e9))
	}
}

func TestOpen(t *testing.T) {
	if s, err := Open("smoke"); err != nil || s.Name != "smoke" {
		t.Fatalf("Open(smoke) = %v, %v", s, err)
	}
	if s, err := Open("double11.yaml"); err != nil || s.Name != "double11" {
		t.Fatalf("Open(double11.yaml) = %v, %v", s, err)
	}
	if _, err := Open("testdata/missing.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open(missing) = %v", err)
	}
}
