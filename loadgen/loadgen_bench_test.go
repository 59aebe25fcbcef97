package loadgen

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The generator's own capacity: b.N hits against a trivial local server, with
// recording on. req/s is wall-clock; req/cpu-s divides by the CPU time of the
// whole process, which includes the trivial server's share (roughly as much
// again as the generator's), so it understates the generator per core.
func BenchmarkCapacity(b *testing.B) {
	srv := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tr := getTargeter(srv.URL)
	runs := []struct {
		name string
		run  func(context.Context, vegeta.Targeter, Options) (*Summary, error)
		o    Options
	}{
		// The baseline: vegeta alone, results drained and dropped.
		{"vegeta-only/c=8", vegetaOnly, Options{Concurrency: 8}},
		{"closed/c=8", Closed, Options{Concurrency: 8}},
		{"closed/c=64", Closed, Options{Concurrency: 64}},
		// Far beyond what the machine can send: always behind schedule, so this
		// measures the open path (gate, schedule, correction) at full speed.
		{"open/behind/w=64", Attack, Options{Pacer: rate(1_000_000), Workers: 64, MaxWorkers: 64}},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			o := r.o
			o.MaxHits, o.Duration = uint64(b.N), time.Hour
			cpu := cpuTime(b)
			b.ResetTimer()
			sum, err := r.run(context.Background(), tr, o)
			b.StopTimer()
			cpu = cpuTime(b) - cpu
			if err != nil || sum.Successes != uint64(b.N) {
				b.Fatalf("err %v, %d of %d hits succeeded (%v)", err, sum.Successes, b.N, sum.Outcomes)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "req/cpu-s")
		})
	}
}

// vegetaOnly runs vegeta's own closed loop with no recording: the baseline
// the recording overhead is measured against.
func vegetaOnly(_ context.Context, tr vegeta.Targeter, o Options) (*Summary, error) {
	n := uint64(o.Concurrency)
	atk := vegeta.NewAttacker(vegeta.Workers(n), vegeta.MaxWorkers(n))
	var sum Summary
	for r := range atk.Attack(tr, hitLimit(o.MaxHits), 0, "") {
		sum.Requests++
		if r.Code == http.StatusOK {
			sum.Successes++
		}
	}
	return &sum, nil
}

// hitLimit is vegeta's infinite rate, stopping after a number of hits.
type hitLimit uint64

func (n hitLimit) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}
func (hitLimit) Rate(time.Duration) float64 { return 0 }

// cpuTime is the user plus system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The recording hot path: one shard, observations over a few seconds.
func BenchmarkRecord(b *testing.B) {
	obs := observations(4096, 1)
	s := NewRecorder(1).Shard(0)
	for _, o := range obs {
		s.Record(o)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.Record(obs[i&4095])
	}
}

// Shards do not contend: each parallel goroutine records into its own.
func BenchmarkRecordParallel(b *testing.B) {
	obs := observations(4096, 1)
	r := NewRecorder(64)
	next := make(chan int, 64)
	for i := range 64 {
		next <- i
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := r.Shard(<-next)
		i := 0
		for pb.Next() {
			s.Record(obs[i&4095])
			i++
		}
	})
}

// Intended times as the recording goroutines ask for them: rising sequence
// numbers. Constant pacers are closed form; others are walked.
func BenchmarkScheduleElapsed(b *testing.B) {
	pacers := []struct {
		name string
		p    vegeta.Pacer
	}{
		{"constant", rate(10000)},
		{"linear", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 1000, Per: time.Second}, Slope: 100}},
		{"sine", vegeta.SinePacer{Period: time.Minute, Mean: vegeta.Rate{Freq: 10000, Per: time.Second},
			Amp: vegeta.Rate{Freq: 5000, Per: time.Second}}},
	}
	for _, pc := range pacers {
		b.Run(pc.name, func(b *testing.B) {
			s := NewSchedule(pc.p)
			b.ReportAllocs()
			for i := range b.N {
				if _, ok := s.Elapsed(uint64(i)); !ok {
					b.Fatal("no intended time")
				}
			}
		})
	}
}
