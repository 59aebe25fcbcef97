package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

const benchPayload = 200

func TestMain(m *testing.M) {
	code := m.Run()
	if recoveryDir != "" {
		os.RemoveAll(recoveryDir)
	}
	os.Exit(code)
}

// BenchmarkAppend: one 200-byte entry per Append call, from c concurrent
// appenders sharing group commits.
func BenchmarkAppend(b *testing.B) {
	for _, policy := range []SyncPolicy{SyncFsync, SyncNone} {
		for _, c := range []int{1, 16, 128} {
			b.Run(fmt.Sprintf("sync=%s/appenders=%d", policy, c), func(b *testing.B) {
				s, err := Open(b.TempDir(), Config{Sync: policy, Logger: testLogger(io.Discard)})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				payload := make([]byte, benchPayload)
				b.ReportAllocs()
				b.SetBytes(benchPayload)
				var left atomic.Int64
				left.Store(int64(b.N))
				var wg sync.WaitGroup
				start := time.Now()
				b.ResetTimer()
				for g := range c {
					queue := fmt.Sprintf("bench/%d", g)
					wg.Go(func() {
						entries := []Entry{{Queue: queue, Payload: payload}}
						for left.Add(-1) >= 0 {
							entries[0].TimeMs = start.UnixMilli()
							if _, err := s.Append(context.Background(), entries); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				elapsed := time.Since(start)
				st := s.Stats()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
				b.ReportMetric(float64(st.Fsyncs)/float64(b.N), "fsyncs/op")
				b.ReportMetric(float64(st.CommitRequests)/float64(max(st.Commits, 1)), "batch")
			})
		}
	}
}

// BenchmarkRead reads 200-byte entries from each tier.
func BenchmarkRead(b *testing.B) {
	for _, tier := range []Tier{TierHot, TierWarm, TierCold} {
		b.Run(tier.String(), func(b *testing.B) {
			clk := clock.NewFake(time.Now())
			cfg := Config{Sync: SyncNone, SegmentBytes: 1 << 20, WarmSegments: 2, Clock: clk, Logger: testLogger(io.Discard)}
			s, err := Open(b.TempDir(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const n = 4096
			entries := make([]Entry, n)
			for i := range entries {
				entries[i] = Entry{Queue: "bench/read", TimeMs: clk.Now().UnixMilli(), Payload: make([]byte, benchPayload)}
			}
			ids, err := s.Append(context.Background(), entries)
			if err != nil {
				b.Fatal(err)
			}
			if tier != TierHot {
				clk.Advance(time.Minute)
			}
			if tier == TierCold {
				// Push the entries out of the two mapped segments.
				for range 3 {
					if _, err := s.Append(context.Background(), entries); err != nil {
						b.Fatal(err)
					}
				}
				clk.Advance(time.Minute)
			}
			if _, got, err := s.Read("bench/read", ids[0]); err != nil || got != tier {
				b.Fatalf("read from %v (%v), want %v", got, err, tier)
			}
			b.ReportAllocs()
			b.SetBytes(benchPayload)
			b.ResetTimer()
			for i := range b.N {
				if _, _, err := s.Read("bench/read", ids[i%n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var (
	recoveryOnce sync.Once
	recoveryDir  string
	recoveryErr  error
)

// recoveryData writes about 256 MiB of 200-byte entries, a third of them
// confirmed, once per process.
func recoveryData() (string, error) {
	recoveryOnce.Do(func() {
		recoveryDir, recoveryErr = os.MkdirTemp("", "store-recovery-bench-")
		if recoveryErr != nil {
			return
		}
		s, err := Open(recoveryDir, Config{Sync: SyncNone, Logger: testLogger(io.Discard)})
		if err != nil {
			recoveryErr = err
			return
		}
		ctx := context.Background()
		batch := make([]Entry, 1000)
		for i := range batch {
			batch[i] = Entry{Queue: fmt.Sprintf("app%d/default", i%50), TimeMs: time.Now().UnixMilli(), Payload: make([]byte, benchPayload)}
		}
		for s.Stats().Bytes < 256<<20 {
			ids, err := s.Append(ctx, batch)
			if err != nil {
				recoveryErr = err
				return
			}
			for q := range 50 {
				var confirm []int64
				for i := q; i < len(ids); i += 150 {
					confirm = append(confirm, ids[i])
				}
				if _, err := s.Confirm(ctx, fmt.Sprintf("app%d/default", q), confirm); err != nil {
					recoveryErr = err
					return
				}
			}
		}
		recoveryErr = s.Close()
	})
	return recoveryDir, recoveryErr
}

// BenchmarkRecovery reopens a ~256 MiB store (page cache warm) and reports
// seconds per GB scanned and the heap the rebuilt index costs per entry.
func BenchmarkRecovery(b *testing.B) {
	dir, err := recoveryData()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var rec Recovery
	var heap uint64
	var unconfirmed int
	b.ResetTimer()
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := Open(dir, Config{Sync: SyncNone, Logger: testLogger(io.Discard)})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		st := s.Stats()
		rec, unconfirmed = st.Recovery, st.Unconfirmed
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.SetBytes(rec.Bytes)
	b.ReportMetric(rec.Duration.Seconds()/(float64(rec.Bytes)/(1<<30)), "s/GB")
	b.ReportMetric(float64(rec.Records)/rec.Duration.Seconds(), "records/s")
	b.ReportMetric(float64(heap)/float64(unconfirmed), "heap-B/entry")
}
