package loadgen_test

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/toptarget"
	"github.com/toplab/toplab/system/top"
)

// The generator's own capacity with recording on: b.N hits against a
// trivial target that runs in another process (startTargetProcess), so
// this process's CPU time is the generator's alone. req/s is wall-clock
// (the target shares the two cores); req/s/core divides by the generator's
// CPU seconds, the figure to size load agents by; cores is how many cores
// the generator kept busy. The TOP rows add the toptarget population:
// drawing, signing and encoding each hit, and classifying its TOP body.
func BenchmarkGenerateRecord(b *testing.B) {
	fast, _ := startTargetProcess(b, targetFast)
	topURL, _ := startTargetProcess(b, targetTOP)
	static := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: fast + "/"})
	post := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: fast + "/router/rest",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded;charset=utf-8"}}, Body: []byte(topLikeForm)})
	behind := vegeta.ConstantPacer{Freq: 1_000_000, Per: time.Second} // far beyond what two cores can send
	runs := []struct {
		name string
		run  func(context.Context, vegeta.Targeter, loadgen.Options) (*loadgen.Summary, error)
		o    loadgen.Options
		top  *toptarget.Config // nil: the static target
	}{
		{"closed/static/c=8", loadgen.Closed, loadgen.Options{Concurrency: 8}, nil},
		{"closed/static/c=64", loadgen.Closed, loadgen.Options{Concurrency: 64}, nil},
		// The same POST every time, as large as a TOP call: what HTTP costs
		// without drawing, signing and classifying (compare top-single).
		{"closed/static-post/c=64", loadgen.Closed, loadgen.Options{Concurrency: 64}, nil},
		{"open-behind/static/w=64", loadgen.Attack, loadgen.Options{Pacer: behind, Workers: 64, MaxWorkers: 64}, nil},
		{"closed/top-single/c=64", loadgen.Closed, loadgen.Options{Concurrency: 64},
			&toptarget.Config{URL: topURL, Bulk: toptarget.Bulk{Apps: 100, SessionsPerApp: 4}}},
		// 10% batches of 20, a quarter xml, every sign method: ~3 calls a hit.
		{"open-behind/top-population/w=64", loadgen.Attack, loadgen.Options{Pacer: behind, Workers: 64, MaxWorkers: 64},
			&toptarget.Config{URL: topURL, Bulk: toptarget.Bulk{Apps: 100, SessionsPerApp: 4}, BatchFraction: 0.1,
				Formats:     map[top.Format]float64{top.FormatJSON: 3, top.FormatXML: 1},
				SignMethods: map[top.SignMethod]float64{top.SignMD5: 1, top.SignHMAC: 1, top.SignHMACSHA256: 1}}},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			tr, o := static, r.o
			if strings.Contains(r.name, "static-post") {
				tr = post
			}
			var tt *toptarget.Targeter
			if r.top != nil {
				var err error
				if tt, err = toptarget.New(*r.top); err != nil {
					b.Fatal(err)
				}
				tr, o.Classifier = tt.Targeter(), tt.Classifier()
			}
			o.MaxHits, o.Duration = uint64(b.N), time.Hour
			b.ReportAllocs()
			cpu := selfCPU()
			b.ResetTimer()
			sum, err := r.run(context.Background(), tr, o)
			b.StopTimer()
			cpu = selfCPU() - cpu
			if err != nil || sum.Successes != uint64(b.N) {
				b.Fatalf("err %v, %d of %d hits succeeded (%v)", err, sum.Successes, b.N, sum.Outcomes)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "req/s/core")
			b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores")
			if tt != nil {
				b.ReportMetric(float64(tt.Calls().Issued)/float64(b.N), "calls/op")
			}
		})
	}
}

// topLikeForm is a signed taobao.trades.sold.get call as toptarget sends it.
const topLikeForm = "app_key=load-app-000001&fields=tid%2Cstatus%2Cmodified&format=json&method=taobao.trades.sold.get" +
	"&page_size=20&session=s-load-app-000001-1&sign=0F1E2D3C4B5A69788796A5B4C3D2E1F0&sign_method=md5" +
	"&timestamp=2026-11-11+00%3A00%3A30&v=2.0"

// selfCPU is this process's user plus system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
