package metacache_test

import (
	"context"
	"testing"

	"github.com/maypok86/otter/v2"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// BenchmarkLocalHit is a read served by the local level (target <= 50 ns/op).
func BenchmarkLocalHit(b *testing.B) {
	st := newStoreB(b)
	meta.Put(context.Background(), st, demoApp(meta.AppActive))
	c, err := metacache.New(context.Background(), metacache.Config{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.App(ctx, "10000001"); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.App(ctx, "10000001")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.App(ctx, "10000001")
			}
		})
	})
}

// BenchmarkBloomRejection is an unknown key answered by the Bloom filter.
func BenchmarkBloomRejection(b *testing.B) {
	st := newStoreB(b)
	c, err := metacache.New(context.Background(), metacache.Config{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c.App(ctx, "unknown-app")
	}
}

func newStoreB(b *testing.B) *countingStore {
	s, err := meta.OpenSQLite(b.TempDir()+"/meta.db", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return &countingStore{Store: s}
}

// BenchmarkOtterFloor is a bare otter lookup in the same run: the floor
// under BenchmarkLocalHit, to read its overhead as a ratio on a noisy machine.
func BenchmarkOtterFloor(b *testing.B) {
	c := otter.Must(&otter.Options[string, *meta.App]{MaximumSize: 1000})
	a := demoApp(meta.AppActive)
	c.Set("10000001", &a)
	b.ReportAllocs()
	for b.Loop() {
		c.GetIfPresent("10000001")
	}
}
