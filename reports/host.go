package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Host is the machine's load during the run: whatever else ran on it (other
// engineers, a noisy hypervisor neighbour) disturbs the timings.
type Host struct {
	Samples []HostSample `json:"samples,omitempty"`
	// Load1Mean and Load1Max summarise the 1-minute load averages sampled.
	Load1Mean float64 `json:"load1_mean"`
	Load1Max  float64 `json:"load1_max"`
	// CPUStealPct is the share of CPU time the hypervisor gave to others,
	// CPUBusyPct the share not idle, both over the whole run.
	CPUStealPct float64 `json:"cpu_steal_pct"`
	CPUBusyPct  float64 `json:"cpu_busy_pct"`
	Cores       int     `json:"cores"`
	// Noisy says the timings are not to be trusted, NoisyReason why.
	Noisy       bool   `json:"noisy"`
	NoisyReason string `json:"noisy_reason,omitempty"`
}

// HostSample is one sampling interval.
type HostSample struct {
	// Second counts seconds since the sampler started.
	Second   float64 `json:"second"`
	Load1    float64 `json:"load1"`
	StealPct float64 `json:"steal_pct"`
	BusyPct  float64 `json:"busy_pct"`
}

// HostSamplerConfig configures a HostSampler; the zero value samples the
// real /proc every second on the wall clock.
type HostSamplerConfig struct {
	Clock clock.Clock
	// Interval between samples (default 1s).
	Interval time.Duration
	// Proc is the procfs root (default /proc); tests point it at fixtures.
	Proc string
	// Cores is the machine's CPU count (default runtime.NumCPU()).
	Cores int
	// StealLimitPct: more steal than this over the run is noisy (default 5).
	// LoadFactor: a mean 1-minute load above LoadFactor x Cores is noisy
	// (default 1.5): runnable threads then wait for a CPU, and that wait
	// lands in the measured latencies. The lab's own processes count too,
	// so a run that overloads its machine is flagged as well.
	StealLimitPct float64
	LoadFactor    float64
}

// HostSampler samples /proc/loadavg and /proc/stat on a clock while a run
// goes on, and judges whether the host was noisy.
type HostSampler struct {
	cfg     HostSamplerConfig
	clk     clock.Clock
	mu      sync.Mutex
	start   time.Time
	first   cpuTimes // at Start
	prev    cpuTimes // at the last sample
	last    cpuTimes
	samples []HostSample
	errs    int
	lastErr error
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewHostSampler returns a sampler; Start begins sampling.
func NewHostSampler(cfg HostSamplerConfig) *HostSampler {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Proc == "" {
		cfg.Proc = "/proc"
	}
	if cfg.Cores <= 0 {
		cfg.Cores = runtime.NumCPU()
	}
	if cfg.StealLimitPct <= 0 {
		cfg.StealLimitPct = 5
	}
	if cfg.LoadFactor <= 0 {
		cfg.LoadFactor = 1.5
	}
	return &HostSampler{cfg: cfg, clk: clock.Or(cfg.Clock)}
}

// Start reads the first CPU times and samples every Interval until Stop or
// ctx ends. It fails when /proc cannot be read at all.
func (s *HostSampler) Start(ctx context.Context) error {
	t, err := s.readStat()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.start, s.first, s.prev, s.last = s.clk.Now(), t, t, t
	s.cancel, s.done = cancel, make(chan struct{})
	s.mu.Unlock()
	tick := s.clk.NewTicker(s.cfg.Interval)
	go func() {
		defer close(s.done)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C():
				s.sample()
			}
		}
	}()
	return nil
}

// Samples returns how many samples were taken so far.
func (s *HostSampler) Samples() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.samples)
}

// sample takes one sample; a failed read is counted, not fatal.
func (s *HostSampler) sample() {
	load, lerr := s.readLoad()
	t, serr := s.readStat()
	now := s.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if lerr != nil || serr != nil {
		s.errs++
		s.lastErr = firstErr(lerr, serr)
		return
	}
	if t.Total <= s.prev.Total {
		return // no CPU time passed (a Stop right after a tick): nothing to say
	}
	steal, busy := shares(s.prev, t)
	s.samples = append(s.samples, HostSample{
		Second: now.Sub(s.start).Seconds(), Load1: load, StealPct: steal, BusyPct: busy,
	})
	s.prev, s.last = t, t
}

// Stop ends sampling, takes a last sample so the CPU shares cover the whole
// run, and returns the verdict. Calling Stop without Start returns an empty
// Host.
func (s *HostSampler) Stop() Host {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
		s.sample()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verdict()
}

// verdict summarises the samples; s.mu must be held.
func (s *HostSampler) verdict() Host {
	h := Host{Samples: append([]HostSample(nil), s.samples...), Cores: s.cfg.Cores}
	for _, x := range s.samples {
		h.Load1Mean += x.Load1
		h.Load1Max = max(h.Load1Max, x.Load1)
	}
	if n := len(s.samples); n > 0 {
		h.Load1Mean /= float64(n)
	}
	h.CPUStealPct, h.CPUBusyPct = shares(s.first, s.last)
	h.Noisy, h.NoisyReason = Noise(h, s.cfg.StealLimitPct, s.cfg.LoadFactor)
	if s.errs > 0 {
		h.Noisy = true
		h.NoisyReason = join(h.NoisyReason, fmt.Sprintf("%d host samples failed: %v", s.errs, s.lastErr))
	}
	return h
}

// Noise judges a host: steal above stealLimitPct, or a mean 1-minute load
// above loadFactor x cores, makes it noisy.
func Noise(h Host, stealLimitPct, loadFactor float64) (bool, string) {
	var reason string
	if h.CPUStealPct > stealLimitPct {
		reason = fmt.Sprintf("cpu steal %.1f%% > %.1f%%", h.CPUStealPct, stealLimitPct)
	}
	if limit := loadFactor * float64(h.Cores); h.Cores > 0 && h.Load1Mean > limit {
		reason = join(reason, fmt.Sprintf("mean load1 %.2f > %.2f (%.1f x %d cores)", h.Load1Mean, limit, loadFactor, h.Cores))
	}
	return reason != "", reason
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// shares returns steal and busy time as percentages of the time between a
// and b (0 when no time passed).
func shares(a, b cpuTimes) (steal, busy float64) {
	if b.Total <= a.Total {
		return 0, 0
	}
	total := float64(b.Total - a.Total)
	if b.Steal >= a.Steal {
		steal = 100 * float64(b.Steal-a.Steal) / total
	}
	if b.Idle >= a.Idle {
		busy = 100 * (1 - float64(b.Idle-a.Idle)/total)
	}
	return min(max(steal, 0), 100), min(max(busy, 0), 100)
}

func (s *HostSampler) readStat() (cpuTimes, error) {
	data, err := os.ReadFile(filepath.Join(s.cfg.Proc, "stat"))
	if err != nil {
		return cpuTimes{}, fmt.Errorf("host sampler: %w", err)
	}
	return parseProcStat(data)
}

func (s *HostSampler) readLoad() (float64, error) {
	data, err := os.ReadFile(filepath.Join(s.cfg.Proc, "loadavg"))
	if err != nil {
		return 0, fmt.Errorf("host sampler: %w", err)
	}
	return parseLoadAvg(data)
}
