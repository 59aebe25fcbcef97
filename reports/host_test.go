package reports

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// eventually polls cond without sleeping, yielding to the sampler goroutine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// fakeProc writes a /proc/stat cpu line and a /proc/loadavg into dir.
func fakeProc(t *testing.T, dir, cpu, load string) {
	t.Helper()
	stat := "cpu  " + cpu + "\ncpu0 " + cpu + "\nintr 1 2 3\n"
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "loadavg"), []byte(load+" 0.40 0.30 2/345 6789\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHostSampler(t *testing.T) {
	tests := []struct {
		name       string
		cpu2, load string
		wantSteal  float64
		wantBusy   float64
		wantLoad   float64
		wantNoisy  []string // reasons expected
	}{
		// user nice system idle iowait irq softirq steal: +1000 jiffies.
		{"quiet", "700 0 200 1100 0 0 0 0", "1.00", 0, 70, 1, nil},
		{"steal", "300 0 200 1300 0 0 0 200", "0.50", 20, 50, 0.5, []string{"cpu steal 20.0% > 5.0%"}},
		{"overloaded", "800 0 200 900 100 0 0 0", "4.00", 0, 80, 4, []string{"mean load1 4.00 > 3.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeProc(t, dir, "100 0 100 800 0 0 0 0", "0.10")
			fc := clock.NewFake(time.Date(2025, 11, 11, 0, 0, 0, 0, time.UTC))
			s := NewHostSampler(HostSamplerConfig{Clock: fc, Proc: dir, Cores: 2})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := fc.BlockUntil(ctx, 1); err != nil {
				t.Fatal(err)
			}
			fakeProc(t, dir, tt.cpu2, tt.load)
			fc.Advance(time.Second)
			eventually(t, "the first sample", func() bool { return s.Samples() == 1 })
			h := s.Stop()
			if len(h.Samples) != 1 { // Stop adds none: no CPU time passed since the tick
				t.Fatalf("%d samples, want 1", len(h.Samples))
			}
			first := h.Samples[0]
			if first.Second != 1 || first.StealPct != tt.wantSteal || first.BusyPct != tt.wantBusy || first.Load1 != tt.wantLoad {
				t.Errorf("sample %+v, want second 1, steal %v, busy %v, load %v", first, tt.wantSteal, tt.wantBusy, tt.wantLoad)
			}
			if h.CPUStealPct != tt.wantSteal || h.CPUBusyPct != tt.wantBusy || h.Load1Mean != tt.wantLoad || h.Load1Max != tt.wantLoad || h.Cores != 2 {
				t.Errorf("host %+v", h)
			}
			if h.Noisy != (len(tt.wantNoisy) > 0) {
				t.Errorf("noisy %v (%s), want %v", h.Noisy, h.NoisyReason, len(tt.wantNoisy) > 0)
			}
			for _, r := range tt.wantNoisy {
				if !strings.Contains(h.NoisyReason, r) {
					t.Errorf("reason %q lacks %q", h.NoisyReason, r)
				}
			}
		})
	}
}

func TestHostSamplerFailures(t *testing.T) {
	if err := NewHostSampler(HostSamplerConfig{Proc: t.TempDir()}).Start(context.Background()); err == nil {
		t.Error("started without a /proc/stat")
	}
	if h := NewHostSampler(HostSamplerConfig{}).Stop(); h.Noisy || len(h.Samples) != 0 {
		t.Errorf("Stop without Start: %+v", h)
	}
	// A sample that cannot be read marks the run noisy rather than vanishing.
	dir := t.TempDir()
	fakeProc(t, dir, "100 0 100 800 0 0 0 0", "0.10")
	fc := clock.NewFake(time.Unix(0, 0))
	s := NewHostSampler(HostSamplerConfig{Clock: fc, Proc: dir, Cores: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "loadavg")); err != nil {
		t.Fatal(err)
	}
	h := s.Stop()
	if !h.Noisy || !strings.Contains(h.NoisyReason, "host samples failed") {
		t.Errorf("unreadable sample: %+v", h)
	}
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     cpuTimes
		wantErr  bool
	}{
		{"full", "cpu  1 2 3 4 5 6 7 8 9 10\n", cpuTimes{Total: 36, Idle: 9, Steal: 8}, false},
		{"old kernel without steal", "cpu 1 2 3 4\n", cpuTimes{Total: 10, Idle: 4}, false},
		{"cpu line later", "intr 5\ncpu 1 1 1 1 1 1 1 1\n", cpuTimes{Total: 8, Idle: 2, Steal: 1}, false},
		{"per-cpu lines only", "cpu0 1 2 3 4\n", cpuTimes{}, true},
		{"short", "cpu 1 2\n", cpuTimes{}, true},
		{"not a number", "cpu 1 x 3 4\n", cpuTimes{}, true},
		{"overflow", "cpu 18446744073709551615 1 0 0\n", cpuTimes{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.in))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseLoadAvg(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"0.52 0.58 0.59 1/467 12345\n", 0.52, false},
		{"12.00", 12, false},
		{"", 0, true},
		{"-1 0 0", 0, true},
		{"NaN 0 0", 0, true},
		{"abc", 0, true},
	}
	for _, tt := range tests {
		got, err := parseLoadAvg([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseLoadAvg(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestMachineFrom(t *testing.T) {
	cpuinfo := "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	meminfo := "MemTotal:       25165824 kB\nMemFree:        1 kB\n"
	osRelease := "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
	m := machineFrom([]byte(cpuinfo), []byte(meminfo), []byte("6.1.0-28-amd64\n"), []byte(osRelease), 2)
	want := Machine{CPUModel: "AMD EPYC 7B13", Cores: 2, MemoryBytes: 24 << 30, Kernel: "6.1.0-28-amd64", OS: "Debian GNU/Linux 12 (bookworm)"}
	if m != want {
		t.Errorf("machine %+v, want %+v", m, want)
	}
	if m := machineFrom(nil, []byte("MemTotal: lots"), nil, nil, 1); m != (Machine{Cores: 1}) {
		t.Errorf("unreadable files: %+v", m)
	}
	if real := DescribeMachine(); real.Cores < 1 {
		t.Errorf("DescribeMachine: %+v", real)
	}
}
