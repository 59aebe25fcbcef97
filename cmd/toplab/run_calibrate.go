package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/pacer"
	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/scenarios"
)

// Calibration modes of `toplab run -calibrate`.
const (
	calibrateAuto  = "auto"  // the cached capacity when there is one, else measure
	calibrateForce = "force" // measure again
	calibrateOff   = "off"   // the cached capacity only; fail without one
)

// calibrationWorkers is the closed model's concurrency for the api stream.
const calibrationWorkers = 32

// calibrationEntry is one cached capacity.
type calibrationEntry struct {
	Stream   string    `json:"stream"`
	Capacity float64   `json:"capacity_per_s"`
	Measured time.Time `json:"measured"`
	Duration string    `json:"duration"`
}

// calibrationCache is the file of capacities measured on this machine,
// keyed by the scenario's CalibrationKey plus the machine's description.
type calibrationCache struct {
	path    string
	Entries map[string]calibrationEntry `json:"entries"`
}

func openCalibrationCache() *calibrationCache {
	c := &calibrationCache{Entries: map[string]calibrationEntry{}}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	c.path = filepath.Join(dir, "toplab", "calibration.json")
	if b, err := os.ReadFile(c.path); err == nil {
		_ = json.Unmarshal(b, c)
		if c.Entries == nil {
			c.Entries = map[string]calibrationEntry{}
		}
	}
	return c
}

func (c *calibrationCache) save() error {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// calibrationKey is the cache key of a stream's capacity: what it depends
// on in the scenario, the machine and the measuring method.
func calibrationKey(s *scenarios.Scenario, stream string) string {
	return s.CalibrationKey(stream) + "|" + machineKey() + "|" + calibrationVersion
}

// machineKey describes the machine a capacity was measured on.
func machineKey() string {
	m := reports.DescribeMachine()
	return fmt.Sprintf("%s/%dcores/%dGiB", m.CPUModel, m.Cores, m.MemoryBytes>>30)
}

// calibrate returns the capacity (hits per second) of every stream whose
// peak is a fraction of capacity: from the per-machine cache, or measured
// with a short closed-model run per stream on a system of its own (in dir),
// so the run itself starts on a fresh system.
func calibrate(ctx context.Context, s *scenarios.Scenario, o runOptions, dir string) (map[string]float64, error) {
	caps := map[string]float64{}
	streams := s.CalibratedStreams()
	if len(streams) == 0 {
		return caps, nil
	}
	cache := openCalibrationCache()
	var todo []string
	for _, st := range streams {
		key := calibrationKey(s, st)
		if e, ok := cache.Entries[key]; ok && o.calibrate != calibrateForce && (s.Calibration.Cache || o.calibrate == calibrateOff) {
			caps[st] = e.Capacity
			fmt.Fprintf(o.progress, "calibration: %s capacity %.0f/s (cached %s in %s)\n", st, e.Capacity, e.Measured.Format(time.DateTime), cache.path)
			continue
		}
		todo = append(todo, st)
	}
	if len(todo) == 0 {
		return caps, nil
	}
	if o.calibrate == calibrateOff {
		return nil, fmt.Errorf("no cached capacity for %s on this machine and -calibrate off", strings.Join(todo, ", "))
	}
	fmt.Fprintf(o.progress, "calibrating %s: %s each, on a system of its own\n", strings.Join(todo, ", "), s.Calibration.Duration)
	sys, err := startLab(ctx, o.self, dir, s, o.env)
	if err != nil {
		return nil, err
	}
	defer func() {
		sys.stop()
		_ = os.RemoveAll(dir) // its data is of no further use; the capacities are in the report
	}()
	for _, st := range todo {
		c, err := measureCapacity(ctx, s, sys, st, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st, err)
		}
		if c <= 0 {
			return nil, fmt.Errorf("%s: measured no capacity", st)
		}
		caps[st] = c
		cache.Entries[calibrationKey(s, st)] = calibrationEntry{Stream: st, Capacity: c, Measured: time.Now(), Duration: s.Calibration.Duration.String()}
		fmt.Fprintf(o.progress, "calibration: %s capacity %.0f/s\n", st, c)
	}
	if s.Calibration.Cache {
		if err := cache.save(); err != nil {
			fmt.Fprintf(o.progress, "calibration: cannot cache: %v\n", err)
		}
	}
	return caps, nil
}

// measureCapacity runs one stream flat out for the calibration's duration.
func measureCapacity(ctx context.Context, s *scenarios.Scenario, sys *labSystem, stream string, o runOptions) (float64, error) {
	d := s.Calibration.Duration
	switch stream {
	case scenarios.StreamAPI:
		a := s.Streams.API
		tids, err := seedTids(ctx, sys.backendURL, labSellers(a.SessionsPerApp), tidsPerSeller)
		if err != nil {
			return 0, err
		}
		api, err := newAPIStream(s, sys.gatewayURLs, pacerForCalibration(), tids, s.Seed)
		if err != nil {
			return 0, err
		}
		// One targeter with the whole mix (batches included) in a closed model.
		var total float64
		for _, p := range api.parts {
			sum, err := loadgen.Closed(ctx, p.tt.Targeter(), loadgen.Options{Name: "calibrate-api-" + p.class,
				Duration: d * time.Duration(1000*p.share) / 1000, Concurrency: calibrationWorkers, Classifier: p.tt.Classifier(),
				ProgressWriter: o.progress, ProgressEvery: 2 * time.Second})
			if err != nil {
				return 0, err
			}
			// The stream's capacity is limited by its slowest class share:
			// time per hit, weighted by the mix.
			if sum.Rate > 0 {
				total += p.share / sum.Rate
			}
		}
		if total == 0 {
			return 0, errors.New("no hits")
		}
		return 1 / total, nil
	case scenarios.StreamOrders:
		ob := s.Streams.Orders
		// Far more actions than the trade centre can take, cut off after d:
		// the concurrency bound makes it a closed model.
		gen, err := orders.New(orders.Config{URL: sys.backendURL, Pacer: vegeta.ConstantPacer{Freq: 20000, Per: time.Second},
			Duration: d, Sellers: labSellers(ob.Sellers), HotSellers: ob.HotSellers, HotShare: ob.HotShare, Zipf: ob.Zipf,
			Seed: s.Seed + 7, Concurrency: ob.Concurrency, ProgressEvery: 2 * time.Second,
			Progress: func(p orders.Progress) { fmt.Fprintf(o.progress, "calibrate orders: %s\n", p) }})
		if err != nil {
			return 0, err
		}
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		start := time.Now()
		_, _ = gen.Run(cctx) // ends with the deadline; the stats say what got done
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		took := time.Since(start)
		st := gen.Stats()
		var done uint64
		for _, n := range st.Done {
			done += n
		}
		trade := float64(done) / took.Seconds()
		// Every action is one change the push and sync must carry too: the
		// stream's capacity is what the sync commits meanwhile, when lower.
		committed, err := committedBetween(sys.dir, start, start.Add(took))
		if err != nil || committed == 0 {
			return trade, nil
		}
		synced := float64(committed) / took.Seconds()
		fmt.Fprintf(o.progress, "calibrate orders: trade centre %.0f actions/s, sync committed %.0f changes/s meanwhile\n", trade, synced)
		return min(trade, synced), nil
	}
	return 0, fmt.Errorf("stream %s cannot be calibrated: give it an absolute peak", stream)
}

// committedBetween counts the changes the sync workers committed in
// [from, to], from their freshness logs.
func committedBetween(dir string, from, to time.Time) (int64, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*", "freshness.log"))
	var n int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return n, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			_, committed, ok := parseFreshnessLine([]byte(line))
			if ok && committed >= from.UnixMilli() && committed <= to.UnixMilli() {
				n++
			}
		}
	}
	return n, nil
}

// calibrationVersion changes when the way a capacity is measured does, so
// cached capacities of an older method are measured again.
const calibrationVersion = "v2"

// pacerForCalibration is a placeholder pacer for building the api parts;
// the closed model ignores it.
func pacerForCalibration() pacer.Sequence {
	seq, _ := pacer.NewSequence(pacer.Piece{For: time.Second, Shape: pacer.Constant{PerSecond: 1}})
	return seq
}

// loadAtPeak estimates how much of the machine the calibrated streams take
// when they all reach their peaks at once, by the utilisation law: a stream
// at rate x whose capacity alone is c keeps the shared cores busy x/c of the
// time, and the busy shares of streams on the same cores add up. Capacities
// are measured one stream at a time, so a scale that each stream could take
// alone can still overload the machine when the streams peak together (at
// 1 every core is busy and queues grow without bound). ok is false when no
// stream was calibrated.
func loadAtPeak(caps, peaks map[string]float64) (load float64, ok bool) {
	for stream, c := range caps {
		if c > 0 {
			load += peaks[stream] / c
			ok = true
		}
	}
	return load, ok
}
