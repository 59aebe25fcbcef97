package loadgen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

func TestProgressTicksOnTheClockAndEndsWithAFinalReport(t *testing.T) {
	clk := clock.NewFake(time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC))
	reports := make(chan Progress, 10)
	calls := 0
	sample := func(final bool) Progress {
		calls++
		return Progress{Requests: uint64(calls), Final: final}
	}
	stop := startProgress(clk, time.Second, sample, func(p Progress) { reports <- p })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		clk.Advance(time.Second)
		select {
		case p := <-reports:
			if p.Requests != uint64(i) || p.Final {
				t.Fatalf("report %d = %+v", i, p)
			}
		case <-ctx.Done():
			t.Fatalf("no report after tick %d", i)
		}
	}
	stop()
	if p := <-reports; !p.Final || p.Requests != 3 {
		t.Fatalf("final report %+v", p)
	}
	if clk.Waiters() != 0 {
		t.Fatal("the ticker outlived the run")
	}
}

func TestSamplerReportsRatesAndLatency(t *testing.T) {
	start := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	rec := NewRecorder(2)
	var sent uint64
	s := &sampler{model: ModelOpen, clk: clk, start: start, duration: 10 * time.Second,
		rate: func(time.Duration) float64 { return 100 }, sent: func() uint64 { return sent },
		rec: rec, scratch: newHistogram()}
	for i := range 100 {
		o := Observation{Corrected: time.Duration(i+1) * time.Millisecond, Code: 200, Outcome: OutcomeOK}
		if i%10 == 0 {
			o.Outcome = "http_500"
		}
		rec.Shard(i % 2).Record(o)
	}
	sent = 100
	clk.Advance(2 * time.Second)
	p := s.sample(false)
	want := Progress{Model: ModelOpen, Elapsed: 2 * time.Second, Remaining: 8 * time.Second, Target: 100, Achieved: 50,
		Requests: 100, Errors: 10}
	p99 := p.P99
	p.P99 = 0
	if p != want || p99 < 99*time.Millisecond || p99 > 100*time.Millisecond {
		t.Fatalf("sample = %+v p99 %v, want %+v p99 99ms", p, p99, want)
	}
	sent = 300
	clk.Advance(time.Second)
	if p := s.sample(false); p.Achieved != 200 {
		t.Fatalf("achieved %v over the last second, want 200", p.Achieved)
	}
	if p := s.sample(true); p.Achieved != 100 || !p.Final {
		t.Fatalf("final achieved %v, want 100 over the whole run", p.Achieved)
	}
}

func TestProgressLines(t *testing.T) {
	p := Progress{Model: ModelOpen, Elapsed: 12 * time.Second, Remaining: 48 * time.Second, Target: 1000, Achieved: 998,
		Requests: 11980, Errors: 3, P99: 4210 * time.Microsecond}
	want := "open 12s/1m0s target 1000/s achieved 998/s | 11980 req 3 err | p99 4.21ms"
	if got := p.String(); got != want {
		t.Fatalf("line %q, want %q", got, want)
	}
	closed := Progress{Model: ModelClosed, Elapsed: time.Second, Remaining: time.Second, Achieved: 5}
	if got := closed.String(); strings.Contains(got, "target") {
		t.Fatalf("closed line %q shows a target", got)
	}
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"plain", false, want + "\n" + want + "\n"},
		{"terminal", true, "\r" + want + "\x1b[K" + "\r" + want + "\x1b[K\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := writeLines(&buf, tc.tty)
			w(p)
			final := p
			final.Final = true
			w(final)
			if buf.String() != tc.want {
				t.Fatalf("wrote %q, want %q", buf.String(), tc.want)
			}
		})
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(&bytes.Buffer{}) || isTerminal(f) {
		t.Fatal("a buffer or a regular file is not a terminal")
	}
}

func TestAttackReportsProgress(t *testing.T) {
	srv, _ := okServer(t)
	var buf bytes.Buffer
	var mu sync.Mutex
	var reports []Progress
	_, err := Attack(context.Background(), getTargeter(srv.URL), Options{
		Pacer: rate(200), MaxHits: 20, ProgressWriter: &buf,
		Progress: func(p Progress) { mu.Lock(); reports = append(reports, p); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	last := reports[len(reports)-1]
	if !last.Final || last.Requests != 20 || last.Model != ModelOpen {
		t.Fatalf("final report %+v", last)
	}
	if out := buf.String(); !strings.HasSuffix(out, "\n") || strings.Contains(out, "\r") || !strings.Contains(out, "20 req 0 err") {
		t.Fatalf("progress output %q", out)
	}
}
