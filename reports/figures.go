package reports

import (
	"math"
	"strings"
)

// Figures flattens the run into named numbers, the vocabulary shared by
// compare and budget:
//
//	streams.<name>.{requests,errors,error_rate,rate,target_rate}
//	streams.<name>.{count,mean,p50,p90,p99,p999,max}      latency, ms
//	push_e2e.{count,mean,p50,...}, sync_freshness.{...}  ms
//	slo:<name>                                           measured value
//	checks.<name>.<figure>, checks.<name>.pass           pass is 1 or 0
//	metrics.<key>
//	host.{load1_mean,load1_max,cpu_steal_pct,cpu_busy_pct}, run.duration_s
//
// rate and target_rate are per-second means over Measured seconds; error_rate
// is errors/requests over the whole run. Non-finite values are left out, so
// a missing figure is absent rather than NaN.
func (r *Run) Figures() map[string]float64 {
	f := map[string]float64{}
	put := func(k string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			f[k] = v
		}
	}
	for _, s := range r.Streams {
		p := "streams." + s.Name + "."
		put(p+"requests", float64(s.Requests))
		put(p+"errors", float64(s.Errors))
		if s.Requests > 0 {
			put(p+"error_rate", float64(s.Errors)/float64(s.Requests))
		}
		if after := r.Measured(s.Series); len(after) > 0 {
			var rate, target float64
			for _, x := range after {
				rate += x.Achieved
				target += x.Target
			}
			put(p+"rate", rate/float64(len(after)))
			put(p+"target_rate", target/float64(len(after)))
		}
		putLatency(put, p, s.Latency)
	}
	if r.PushE2E != nil {
		putLatency(put, "push_e2e.", r.PushE2E.Latency)
	}
	if r.SyncFreshness != nil {
		putLatency(put, "sync_freshness.", r.SyncFreshness.Latency)
	}
	for _, v := range r.SLOs {
		if !v.Missing {
			put("slo:"+v.Name, v.Measured)
		}
	}
	for _, c := range r.Checks {
		p := "checks." + c.Name + "."
		put(p+"pass", b2f(c.Pass))
		for k, n := range c.Figures {
			put(p+k, float64(n))
		}
	}
	for k, v := range r.Metrics {
		put("metrics."+k, v)
	}
	if len(r.Host.Samples) > 0 || r.Host.Cores > 0 { // sampled at all
		put("host.load1_mean", r.Host.Load1Mean)
		put("host.load1_max", r.Host.Load1Max)
		put("host.cpu_steal_pct", r.Host.CPUStealPct)
		put("host.cpu_busy_pct", r.Host.CPUBusyPct)
	}
	if d := r.Duration(); d > 0 {
		put("run.duration_s", d.Seconds())
	}
	return f
}

func putLatency(put func(string, float64), prefix string, l Latency) {
	put(prefix+"count", float64(l.Count))
	if l.Count == 0 {
		return // quantiles of nothing are not zero
	}
	put(prefix+"mean", l.Mean)
	put(prefix+"p50", l.P50)
	put(prefix+"p90", l.P90)
	put(prefix+"p99", l.P99)
	put(prefix+"p999", l.P999)
	put(prefix+"max", l.Max)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Measured returns the seconds of series that count in statistics: those
// after the warm-up and, when the run has phases, wholly inside them (a
// trailing partial second would understate the rate). Series are in order.
func (r *Run) Measured(series []Second) []Second {
	warm, end := r.Warmup(), math.Inf(1)
	if len(r.Phases) > 0 {
		end = 0
		for _, p := range r.Phases {
			end = max(end, p.End)
		}
	}
	lo := len(series)
	for i, x := range series {
		if float64(x.Second) >= warm {
			lo = i
			break
		}
	}
	hi := lo
	for hi < len(series) && float64(series[hi].Second+1) <= end {
		hi++
	}
	return series[lo:hi]
}

// IsLatencyFigure reports whether a figure name is a latency in ms (so
// lower is better and the unit is ms).
func IsLatencyFigure(name string) bool {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || strings.HasPrefix(name, "metrics.") || strings.HasPrefix(name, "checks.") {
		return false
	}
	switch name[i+1:] {
	case "mean", "p50", "p90", "p99", "p999", "max":
		return true
	}
	return false
}
