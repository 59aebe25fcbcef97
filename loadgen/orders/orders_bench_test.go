package orders

import (
	"context"
	"testing"

	"github.com/toplab/toplab/loadgen/pacer"
)

// BenchmarkPlan is the planner's cost per action: drawing orders and their
// scripts, picking sellers.
func BenchmarkPlan(b *testing.B) {
	cfg, err := Config{URL: "http://127.0.0.1:1", Sellers: sellers(1000), HotSellers: 10}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	p := newPlanner(cfg)
	b.ReportAllocs()
	for b.Loop() {
		p.next()
	}
}

// BenchmarkRunStub is the generator's own cost per action end to end
// (planning, dispatch, HTTP on loopback, decoding) against a server that
// answers at once: b.N actions, due all at once.
func BenchmarkRunStub(b *testing.B) {
	url, _ := stubServer(b)
	b.ReportAllocs()
	g, err := New(Config{URL: url, Sellers: sellers(100), Pacer: pacer.Constant{PerSecond: 1e9},
		MaxActions: uint64(b.N), Concurrency: 16})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	st, err := g.Run(context.Background())
	if err != nil || st.Sent != uint64(b.N) {
		b.Fatalf("%v %+v", err, st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "actions/s")
}
