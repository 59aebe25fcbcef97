package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/accounting"
	"github.com/toplab/toplab/loadgen/pacer"
	"github.com/toplab/toplab/loadgen/toptarget"
	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/system/meta"
)

// apiClassOf maps each API the reference system serves to its class (the
// backend it routes to), as the scenario's api_p99 classes name them.
func apiClassOf() map[string]string {
	out := map[string]string{}
	for _, a := range append(meta.DemoAPIs(), meta.TMCAPIs()...) {
		out[a.Name] = a.Backend
	}
	return out
}

// apiPart is one attack of the api stream: the calls of one class, or the
// batches. Per-class attacks give each class its own coordinated-omission
// corrected histogram, which the SLO per class needs; their rates are the
// stream's shape times the class's share of the mix.
type apiPart struct {
	class string // trade, item, user, tmc or batch
	share float64
	tt    *toptarget.Targeter
	pacer vegeta.Pacer
	sum   *loadgen.Summary
	err   error

	mu   sync.Mutex
	last loadgen.Progress
}

// apiStream runs the scenario's api stream.
type apiStream struct {
	parts []*apiPart
}

// newAPIStream prepares the attacks: a mix per class from toptarget's
// DefaultMix entries weighted as the scenario says, each spread evenly over
// the gateways.
func newAPIStream(s *scenarios.Scenario, gateways []string, seq pacer.Sequence, tids map[string][]int64, seed uint64) (*apiStream, error) {
	a := s.Streams.API
	defaults := map[string]toptarget.API{}
	for _, api := range toptarget.DefaultMix(time.Now()) {
		defaults[api.Method] = api
	}
	classes := apiClassOf()
	byClass := map[string][]toptarget.API{}
	var all []toptarget.API
	total := 0.0
	for _, method := range slices.Sorted(maps.Keys(a.Mix)) {
		api, ok := defaults[method]
		if !ok {
			api = toptarget.API{Method: method}
		}
		api.Weight = a.Mix[method]
		class, ok := classes[method]
		if !ok {
			return nil, fmt.Errorf("api mix: %s is no API of the reference system", method)
		}
		byClass[class] = append(byClass[class], api)
		all = append(all, api)
		total += api.Weight
	}
	base := toptarget.Config{URL: gateways[0], Spread: gateways[1:], Bulk: toptarget.Bulk{Apps: a.Apps, SessionsPerApp: a.SessionsPerApp},
		Zipf: toptarget.Zipf{S: a.Zipf}, Tids: tids, BadFraction: a.BadFraction, BatchSize: a.BatchSize}
	st := &apiStream{}
	add := func(class string, share float64, mix []toptarget.API, batch float64, k uint64) error {
		if share <= 0 {
			return nil
		}
		cfg := base
		cfg.Mix, cfg.BatchFraction, cfg.Seed = mix, batch, seed*1000+k
		tt, err := toptarget.New(cfg)
		if err != nil {
			return fmt.Errorf("api %s: %w", class, err)
		}
		st.parts = append(st.parts, &apiPart{class: class, share: share, tt: tt, pacer: pacer.Scaled{Factor: share, Shape: seq}})
		return nil
	}
	for i, class := range slices.Sorted(maps.Keys(byClass)) {
		w := 0.0
		for _, api := range byClass[class] {
			w += api.Weight
		}
		if err := add(class, (1-a.BatchFraction)*w/total, byClass[class], 0, uint64(i)); err != nil {
			return nil, err
		}
	}
	if err := add("batch", a.BatchFraction, all, 1, 99); err != nil {
		return nil, err
	}
	return st, nil
}

// run drives every part until d, concurrently.
func (st *apiStream) run(ctx context.Context, d time.Duration) {
	var wg sync.WaitGroup
	for _, p := range st.parts {
		wg.Go(func() {
			p.sum, p.err = loadgen.Attack(ctx, p.tt.Targeter(), loadgen.Options{
				Name: "api-" + p.class, Pacer: p.pacer, Duration: d, Drain: 5 * time.Second,
				Workers: 16, MaxWorkers: 512, Shards: 1, Classifier: p.tt.Classifier(),
				HTTP:     loadgen.HTTPOptions{Timeout: 10 * time.Second},
				Progress: func(pr loadgen.Progress) { p.mu.Lock(); p.last = pr; p.mu.Unlock() },
			})
		})
	}
	wg.Wait()
}

// progress sums the parts' latest reports (p99: the worst part's).
func (st *apiStream) progress() (target, achieved float64, reqs, errs uint64, p99 time.Duration) {
	for _, p := range st.parts {
		p.mu.Lock()
		l := p.last
		p.mu.Unlock()
		target += l.Target
		achieved += l.Achieved
		reqs += l.Requests
		errs += l.Errors
		p99 = max(p99, l.P99)
	}
	return
}

// merged is the whole stream's summary; accounting checks hits and calls of
// every part against what the targeters issued.
func (st *apiStream) merged() (*loadgen.Summary, accounting.Result, accounting.Result, error) {
	sum := &loadgen.Summary{}
	var issued, calls uint64
	callOutcomes := map[string]uint64{}
	for _, p := range st.parts {
		if p.sum == nil {
			return nil, accounting.Result{}, accounting.Result{}, fmt.Errorf("api %s: %w", p.class, p.err)
		}
		if err := sum.Merge(p.sum); err != nil {
			return nil, accounting.Result{}, accounting.Result{}, fmt.Errorf("api %s: merge: %w", p.class, err)
		}
		issued += p.tt.Issued()
		c := p.tt.Calls()
		calls += c.Issued
		for k, v := range c.Outcomes {
			callOutcomes[k] += v
		}
	}
	sum.Name = scenarios.StreamAPI
	return sum, accounting.Check(sum, issued), accounting.CheckCounts(calls, callOutcomes), nil
}
