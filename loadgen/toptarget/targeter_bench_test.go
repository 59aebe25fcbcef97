package toptarget

import (
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/top"
)

// The cost of building one hit: drawing, signing, encoding. Signing is
// per hit because the timestamp moves; the clock here is the wall clock,
// as in a run. cpu-ns/op is the process's CPU time per hit (garbage
// collection included): unlike ns/op it does not grow when neighbours on a
// shared machine take the core away.
func BenchmarkTarget(b *testing.B) {
	cases := []struct {
		name string
		mod  func(*Config)
	}{
		{"single/md5", func(c *Config) {}},
		{"single/hmac-sha256", func(c *Config) { c.SignMethods = map[top.SignMethod]float64{top.SignHMACSHA256: 1} }},
		{"batch/20", func(c *Config) { c.BatchFraction = 1 }},
		// A lab-like population: 10% batches, 5% bad, a quarter xml, every sign method.
		{"population", func(c *Config) {
			c.BatchFraction, c.BadFraction = 0.1, 0.05
			c.Formats = map[top.Format]float64{top.FormatJSON: 3, top.FormatXML: 1}
			c.SignMethods = map[top.SignMethod]float64{top.SignMD5: 1, top.SignHMAC: 1, top.SignHMACSHA256: 1}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tr := mustNew(b, offline(tc.mod, func(c *Config) { c.Clock = nil }))
			next := tr.Targeter()
			var tgt vegeta.Target
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				tgt = vegeta.Target{}
				if err := next(&tgt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(tr.Calls().Issued)/float64(b.N), "calls/op")
		})
	}
}

// Workers build targets concurrently in a run.
func BenchmarkTargetParallel(b *testing.B) {
	tr := mustNew(b, offline(func(c *Config) { c.Clock = nil }))
	next := tr.Targeter()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var tgt vegeta.Target
		for pb.Next() {
			tgt = vegeta.Target{}
			if err := next(&tgt); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// The classifier runs on the recording goroutines for every hit.
func BenchmarkClassify(b *testing.B) {
	items := make([]string, 20)
	for i := range items {
		items[i] = okJSON
	}
	items[7] = err22XML
	cases := []struct {
		name string
		r    vegeta.Result
	}{
		{"single/ok", vegeta.Result{URL: rest, Code: 200, Body: []byte(okJSON)}},
		{"single/expected", vegeta.Result{URL: rest + "#expect=25", Code: 200, Body: []byte(err25)}},
		{"batch/20", vegeta.Result{URL: batchURL + "#batch=20&item=7&expect=22", Code: 200, Body: []byte(strings.Join(items, sep))}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := (&Targeter{}).Classifier()
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				c(&tc.r)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is this process's user plus system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
