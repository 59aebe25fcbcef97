package reports

import (
	"encoding/json"
	"testing"
)

// BenchmarkHTML renders the sample run's report.html (11 plots).
func BenchmarkHTML(b *testing.B) {
	r := sampleRun(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HTML(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarkdown(b *testing.B) {
	r := sampleRun(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = Markdown(r)
	}
}

func BenchmarkDecode(b *testing.B) {
	js, err := json.Marshal(sampleRun(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(js)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(js); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFigures(b *testing.B) {
	r := sampleRun(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Figures()
	}
}
