package main

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/testenv"
)

func durMs(d time.Duration) float64 { return d.Seconds() * 1000 }

// p99Of is a latency's p99, NaN when nothing was measured (a missing
// verdict fails rather than passing on nothing).
func p99Of(l reports.Latency) float64 {
	if l.Count == 0 {
		return math.NaN()
	}
	return l.P99
}

// report fills the run's results: streams, timelines, checks, SLO verdicts,
// environment and host.
func (r *labRun) report(ctx context.Context, host reports.Host, chk settleResult) (*reports.Run, error) {
	s := r.s
	slo := s.SLO
	warmup := s.WarmupDuration().Seconds()
	b := currentBuild()
	run := &reports.Run{
		Scenario: s.Name, RunID: filepath.Base(r.dir), Seed: int64(s.Seed), Start: r.start, End: time.Now(),
		Env: reports.Env{Machine: reports.DescribeMachine(), GoVersion: runtime.Version(), Commit: b.Commit,
			Store: r.sys.store, Coord: r.sys.coord, Knobs: s.Knobs(), Nodes: r.nodes(ctx)},
		Host: host, Noisy: host.Noisy, Metrics: map[string]float64{},
	}
	run.Env.Knobs["env"] = r.o.env
	run.Env.Knobs["store"], run.Env.Knobs["coord"] = r.sys.store, r.sys.coord // -env containers overrides the scenario's
	for _, sp := range s.Timeline() {
		run.Phases = append(run.Phases, reports.Phase{Name: sp.Name, Start: sp.Start.Seconds(), End: sp.End.Seconds(), Warmup: sp.Warmup})
	}
	for stream, c := range r.caps {
		run.Metrics["calibration."+stream+".capacity_per_s"] = c
	}
	if load, ok := loadAtPeak(r.caps, r.peaks); ok {
		run.Metrics["calibration.load_at_peak"] = load
	}
	for stream, p := range r.peaks {
		run.Metrics["peak."+stream+".per_s"] = p
	}
	run.Metrics["settle.seconds"] = chk.settledIn.Seconds()

	if r.api != nil {
		if err := r.reportAPI(run, warmup); err != nil {
			return nil, err
		}
	}
	if r.orders != nil {
		sum, err := r.orders.summary(s.TotalDuration())
		if err != nil {
			return nil, err
		}
		st, err := reports.StreamOf(scenarios.StreamOrders, reports.KindOrders, sum, r.start, warmup)
		if err != nil {
			return nil, err
		}
		run.Streams = append(run.Streams, st)
		ostats := r.orders.stats
		run.Metrics["orders.created"] = float64(ostats.Created())
		run.Metrics["orders.actions_sent"] = float64(ostats.Sent)
		run.Metrics["orders.failed"] = float64(ostats.Failed())
		run.Metrics["orders.conflicts"] = float64(ostats.Conflicts)
		run.Metrics["orders.drift"] = float64(ostats.Drift)
		run.Metrics["orders.skipped"] = float64(ostats.Skipped)
		run.Metrics["orders.max_lag_ms"] = durMs(ostats.MaxLag)
	}
	if r.push != nil {
		sum, err := r.push.summary()
		if err != nil {
			return nil, err
		}
		tl, err := reports.TimelineOf(sum, r.start, warmup)
		if err != nil {
			return nil, err
		}
		run.PushE2E = &tl
		run.SLOs = append(run.SLOs, reports.Judge("push e2e p99", "push_e2e", reports.AtMost, durMs(slo.PushE2EP99), p99Of(tl.Latency), "ms"))
		cs := r.push.clientStats()
		run.Metrics["push.deliveries"] = float64(r.push.deliveries.Load())
		run.Metrics["push.client_connects"] = float64(cs.Connects)
		run.Metrics["push.client_duplicates"] = float64(cs.Duplicates)
		run.Metrics["push.client_pulls"] = float64(cs.PullsSent)
		run.Metrics["push.trade_messages_due"] = float64(chk.changesSeen)
		run.Metrics["push.published_acked"] = float64(r.push.published.Load())
	}
	if len(topologyOf(s).sync) > 0 {
		sum, n, err := freshnessSummary(r.sys.dir, r.start)
		if err != nil {
			return nil, err
		}
		tl, err := reports.TimelineOf(sum, r.start, warmup)
		if err != nil {
			return nil, err
		}
		run.SyncFreshness = &tl
		run.Metrics["sync.changes_committed"] = float64(n)
		if slo.SyncFreshP99 > 0 {
			run.SLOs = append(run.SLOs, reports.Judge("sync freshness p99", "sync_freshness", reports.AtMost, durMs(slo.SyncFreshP99), p99Of(tl.Latency), "ms"))
		}
		ss := &syncSystem{sup: r.sys.sup}
		if c, err := ss.syncCounters(ctx, "toplab_sync_messages_total", "toplab_sync_orders_total", "toplab_sync_merged_total",
			"toplab_sync_reconcile_repaired_total", "toplab_sync_write_errors_total"); err == nil {
			for k, v := range c {
				run.Metrics["sync."+strings.TrimPrefix(k, "toplab_sync_")] = v
			}
		}
	}

	// The zero-loss checks, always judged.
	lost := 0.0
	if chk.messages != nil {
		run.Checks = append(run.Checks, reports.MessagesCheck(*chk.messages))
		lost = float64(chk.messages.Lost + chk.messages.Unexpected)
	} else {
		r.notes = append(r.notes, "no push stream: lost messages counted as 0 (no client observed the trade messages)")
	}
	run.SLOs = append(run.SLOs, reports.Judge("lost messages", "lost_messages", reports.AtMost, float64(slo.LostMessages), lost, ""))
	oc := reports.Check{Name: "orders", Pass: chk.ordersErr == nil && chk.orders.Pass(), Detail: chk.orders.String(),
		Figures: map[string]int64{"orders": int64(chk.orders.Orders), "rows": int64(chk.orders.Rows),
			"differences": int64(chk.orders.Differences), "extra": int64(chk.orders.Extra)}}
	diffs := float64(chk.orders.Differences)
	if chk.ordersErr != nil {
		oc.Detail, diffs = chk.ordersErr.Error(), math.NaN()
	}
	run.Checks = append(run.Checks, oc)
	run.SLOs = append(run.SLOs, reports.Judge("order differences", "order_differences", reports.AtMost, float64(slo.OrderDifferences), diffs, ""))
	run.Notes = append(append(run.Notes, r.notes...), r.faults.list()...)
	return run, nil
}

// reportAPI adds the api stream, one stream per class, the p99 verdict of
// each class, the error rate and the accounting check.
func (r *labRun) reportAPI(run *reports.Run, warmup float64) error {
	slo := r.s.SLO
	sum, hits, calls, err := r.api.merged()
	if err != nil {
		return err
	}
	st, err := reports.StreamOf(scenarios.StreamAPI, reports.KindAPI, sum, r.start, warmup)
	if err != nil {
		return err
	}
	run.Streams = append(run.Streams, st)
	for _, p := range r.api.parts {
		cs, err := reports.StreamOf(scenarios.StreamAPI+"."+p.class, reports.KindAPI, p.sum, r.start, warmup)
		if err != nil {
			return err
		}
		run.Streams = append(run.Streams, cs)
		run.SLOs = append(run.SLOs, reports.Judge("api p99 "+p.class, "latency", reports.AtMost, durMs(slo.APIP99.For(p.class)), p99Of(cs.Latency), "ms"))
	}
	rate := errorRateAfter(sum, r.start, warmup)
	run.SLOs = append(run.SLOs, reports.Judge("api error rate", "error_rate", reports.AtMost, slo.APIErrorRate, rate, ""))
	run.Checks = append(run.Checks, reports.Check{Name: "api", Pass: hits.Pass && calls.Pass,
		Detail: "requests: " + hits.String() + "; calls: " + calls.String(),
		Figures: map[string]int64{"sent": int64(hits.Sent), "recorded": int64(hits.Recorded), "ok": int64(hits.OK),
			"expected": int64(hits.Expected), "vanished": int64(hits.Vanished), "extra": int64(hits.Extra),
			"unexpected": int64(hits.Unexpected), "unclassified": int64(hits.Unclassified), "unsent": int64(hits.Unsent),
			"calls_sent": int64(calls.Sent), "calls_vanished": int64(calls.Vanished)}})
	run.Metrics["api.unsent"] = float64(sum.Unsent)
	return nil
}

// nodesOf lists every instance with the PID of each of its starts.
// nodes lists every node with its PIDs and the work it did (a node whose
// metrics cannot be read gets a note and no work).
func (r *labRun) nodes(ctx context.Context) []reports.Node {
	pids := map[string][]int{}
	for _, e := range r.sys.sup.Events() {
		if e.Kind == testenv.EventStart && e.PID > 0 {
			pids[e.Node] = append(pids[e.Node], e.PID)
		}
	}
	var out []reports.Node
	for _, in := range r.s.Instances() {
		p := pids[in.Name]
		n := reports.Node{Name: in.Name, Role: in.Role, PIDs: p, Restarts: max(len(p)-1, 0)}
		if w, err := nodeWork(ctx, r.sys.ports.addr(in.Name, "admin"), in.Role); err != nil {
			r.notes = append(r.notes, "work of "+in.Name+": "+err.Error())
		} else {
			n.Work, n.WorkMetric = w, roleWork[in.Role].unit
		}
		out = append(out, n)
	}
	return out
}

// errorRateAfter is the share of requests due after the warm-up that failed:
// the per-second series counts neither expected errors (bad requests sent on
// purpose) nor cancelled hits as errors. NaN when nothing was due.
func errorRateAfter(sum *loadgen.Summary, runStart time.Time, warmupSec float64) float64 {
	off := sum.Start.Sub(runStart).Seconds()
	var requests, errs uint64
	for _, sec := range sum.Series {
		if off+float64(sec.Second) < warmupSec {
			continue
		}
		requests += sec.Requests
		errs += sec.Errors
	}
	if requests == 0 {
		return math.NaN()
	}
	return float64(errs) / float64(requests)
}
