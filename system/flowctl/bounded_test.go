package flowctl

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// A hot app's daily count survives a scan of cold apps many times the cache's
// capacity: W-TinyLFU does not admit one-hit keys over a frequent one. The
// hot app calls only once per twice the capacity of cold calls, so an LRU
// would have evicted it every time. Otter, like Caffeine, starts counting
// frequencies once the cache is half full, so the scan starts there.
func TestLocalHotKeySurvivesScanOfColdKeys(t *testing.T) {
	const capacity, limit, cold = 1000, 1000, 40_000
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	l, err := NewLocal(LocalConfig{Clock: fc, MaxKeys: capacity, Rules: &Rules{DefaultApp: AppRule{PerDay: limit}},
		executor: func(f func()) { f() }})
	if err != nil {
		t.Fatal(err)
	}
	hot := Key{App: "hot", API: "x"}
	for i := range capacity / 2 {
		expectAllowed(t, l, Key{App: "warm" + strconv.Itoa(i), API: "x"}, 1)
	}
	hotCalls := 300
	expectAllowed(t, l, hot, hotCalls)
	for i := range cold {
		if i%(2*capacity) == 0 {
			expectAllowed(t, l, hot, 1)
			hotCalls++
		}
		expectAllowed(t, l, Key{App: "cold" + strconv.Itoa(i), API: "x"}, 1)
	}
	if n := l.Stats().Keys; n > capacity+capacity/10 {
		t.Fatalf("%d counters held, capacity %d", n, capacity)
	}
	// Exactly limit-hotCalls more pass: the count was kept, not restarted.
	expectAllowed(t, l, hot, limit-hotCalls)
	expectRejected(t, l, hot, top.SubAppAccessCount, 14*3600, 0)
}

// Millions of distinct apps keep memory bounded by the cache's capacity.
func TestLocalMemoryStaysBounded(t *testing.T) {
	keys, capacity := 1_000_000, 10_000
	if raceEnabled || testing.Short() {
		keys, capacity = 100_000, 1_000
	}
	grown := fillDistinct(t, keys, capacity)
	perKey := grown / float64(capacity)
	t.Logf("%d distinct keys, capacity %d: heap grew %.1f MiB (%.0f B per held key)", keys, capacity, grown/(1<<20), perKey)
	// An unbounded map would hold every key (well over 100 B each).
	if limit := float64(capacity) * 1024; grown > limit {
		t.Fatalf("heap grew %.0f B for capacity %d, want < %.0f B", grown, capacity, limit)
	}
}

// fillDistinct sends one call for each of keys distinct apps through a Local
// of the given capacity and returns the live heap growth in bytes.
func fillDistinct(tb testing.TB, keys, capacity int) float64 {
	tb.Helper()
	before := liveHeap()
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	l, err := NewLocal(LocalConfig{Clock: fc, MaxKeys: capacity, Rules: &Rules{DefaultApp: AppRule{PerDay: 10}}})
	if err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 0, 32)
	ctx := context.Background()
	for i := range keys {
		buf = strconv.AppendInt(append(buf[:0], "app"...), int64(i), 10)
		if !l.Allow(ctx, Key{App: string(buf), API: "x"}).Allowed {
			tb.Fatalf("first call of app %d rejected", i)
		}
	}
	l.dyn.CleanUp()
	if n := l.Stats().Keys; n > capacity+capacity/10 {
		tb.Fatalf("%d counters held, capacity %d", n, capacity)
	}
	grown := float64(liveHeap()) - float64(before)
	runtime.KeepAlive(l)
	return grown
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// 10M distinct keys through a cache of 100k: reports the heap it keeps.
func BenchmarkLocalMemory10MKeysCapacity100k(b *testing.B) {
	if testing.Short() {
		b.Skip("long: 10M keys")
	}
	b.ReportAllocs()
	var grown float64
	for b.Loop() {
		grown = fillDistinct(b, 10_000_000, 100_000)
	}
	b.ReportMetric(grown, "heap-bytes")
	b.ReportMetric(grown/100_000, "bytes/held-key")
}
