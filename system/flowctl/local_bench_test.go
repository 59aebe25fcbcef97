package flowctl

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

const benchAPI = "taobao.trade.fullinfo.get"

func benchLocal(b *testing.B, r *Rules) *Local {
	b.Helper()
	l, err := NewLocal(LocalConfig{Rules: r, Clock: clock.Real{}})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// One decision on one explicit counter (an API's per-second total).
func BenchmarkLocalOneCounter(b *testing.B) {
	l := benchLocal(b, &Rules{APIs: map[string]APIRule{benchAPI: {PerSecond: math.MaxUint32 - 1}}})
	k := Key{App: "12345678", API: benchAPI}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if !l.Allow(ctx, k).Allowed {
			b.Fatal("rejected")
		}
	}
}

// One decision on one default-rule counter, found by name in the bounded cache.
func BenchmarkLocalOneDefaultCounter(b *testing.B) {
	l := benchLocal(b, &Rules{DefaultApp: AppRule{PerDay: MaxLimit}})
	k := Key{App: "12345678", API: benchAPI}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if !l.Allow(ctx, k).Allowed {
			b.Fatal("rejected")
		}
	}
}

// benchAllRules limits every dimension: app day, app x API day and second,
// API minute and grouped second.
func benchAllRules() *Rules {
	return &Rules{
		APIs: map[string]APIRule{benchAPI: {PerSecond: MaxLimit, PerMinute: MaxLimit, Groups: []Group{
			{Name: "gold", Ratio: 60, Priority: 3}, {Name: "silver", Ratio: 30, Priority: 2}, {Name: "bronze", Ratio: 10, Priority: 1},
		}}},
		DefaultApp:    AppRule{PerDay: MaxLimit},
		DefaultAppAPI: AppAPIRule{PerSecond: MaxLimit, PerDay: MaxLimit},
	}
}

// The whole multi-dimensional check: five windows.
func BenchmarkLocalAllDimensions(b *testing.B) {
	l := benchLocal(b, benchAllRules())
	k := Key{App: "12345678", API: benchAPI, Group: "silver"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if !l.Allow(ctx, k).Allowed {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkLocalOneCounterParallel(b *testing.B) {
	l := benchLocal(b, &Rules{APIs: map[string]APIRule{benchAPI: {PerSecond: MaxLimit}}})
	k := Key{App: "12345678", API: benchAPI}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			l.Allow(ctx, k)
		}
	})
}

// Every goroutine its own app: the default-rule counters do not share a cache line.
func BenchmarkLocalAllDimensionsParallel(b *testing.B) {
	l := benchLocal(b, benchAllRules())
	b.ReportAllocs()
	var next int64
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		app := strconv.FormatInt(time.Now().UnixNano()+next, 10)
		next++
		k := Key{App: app, API: benchAPI, Group: "gold"}
		for pb.Next() {
			l.Allow(ctx, k)
		}
	})
}

// A rejection (the API's per-second limit is 0 left): must not allocate either.
func BenchmarkLocalRejected(b *testing.B) {
	l := benchLocal(b, &Rules{Apps: map[string]AppRule{"12345678": {PerDay: 1}}})
	k := Key{App: "12345678", API: benchAPI}
	ctx := context.Background()
	l.Allow(ctx, k)
	b.ReportAllocs()
	for b.Loop() {
		if l.Allow(ctx, k).Allowed {
			b.Fatal("allowed")
		}
	}
}
