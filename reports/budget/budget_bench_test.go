package budget

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "budgets.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	entries, err := LoadFile(filepath.Join("testdata", "budgets.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	r, base := run("r", 42, 990, 2.1), run("b", 40, 1000, 2)
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(r, entries, base).Breached() {
			b.Fatal("breached")
		}
	}
}
