package compare

import (
	"testing"

	"github.com/toplab/toplab/reports"
)

// BenchmarkCompare compares two 70-second runs: 2 tests with 2000 bootstrap
// resamples each.
func BenchmarkCompare(b *testing.B) {
	runs := []*reports.Run{
		makeRun(b, spec{id: "a", seed: 1, median: 10, rate: 100}),
		makeRun(b, spec{id: "b", seed: 2, median: 12, rate: 100}),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(runs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComparisonHTML(b *testing.B) {
	c, err := Compare([]*reports.Run{
		makeRun(b, spec{id: "a", seed: 1, median: 10, rate: 100}),
		makeRun(b, spec{id: "b", seed: 2, median: 12, rate: 100}),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.HTML(); err != nil {
			b.Fatal(err)
		}
	}
}
