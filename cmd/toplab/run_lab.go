package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/scenarios"
)

// runOptions are `toplab run`'s flags.
type runOptions struct {
	out       string // root of the run folders
	env       string // embedded | containers
	calibrate string // auto | force | off
	self      string // the toplab binary the nodes run
	progress  io.Writer
}

// tidsPerSeller is how many orders each api session's seller gets before
// the run, for the single-order reads.
const tidsPerSeller = 5

// labRun is one run in progress: the system, the streams and what they saw.
type labRun struct {
	s      *scenarios.Scenario
	o      runOptions
	sys    *labSystem
	dir    string
	start  time.Time
	caps   map[string]float64
	peaks  map[string]float64
	api    *apiStream
	orders *ordersStream
	push   *pushStream
	faults faultLog
	notes  []string
}

// runScenario runs s once and writes its report; the run's folder is
// returned with the report even when an SLO failed.
func runScenario(ctx context.Context, s *scenarios.Scenario, o runOptions) (string, *reports.Run, error) {
	began := time.Now()
	dir := reports.Dir(o.out, s.Name, began)
	r := &labRun{s: s, o: o, dir: dir, peaks: map[string]float64{}}
	w := o.progress
	fmt.Fprintf(w, "run %s: %s of load + %s settle; folder %s\n", s.Name, s.TotalDuration(), s.Settle, dir)

	caps, err := calibrate(ctx, s, o, filepath.Join(dir, "calibration"))
	if err != nil {
		return dir, nil, fmt.Errorf("calibrate: %w", err)
	}
	r.caps = caps

	fmt.Fprintf(w, "starting %d nodes (%s; logs in %s)\n", len(s.Instances()), o.env, filepath.Join(dir, "system", "logs"))
	sys, err := startLab(ctx, o.self, filepath.Join(dir, "system"), s, o.env)
	if err != nil {
		return dir, nil, err
	}
	defer sys.stop()
	r.sys = sys
	if err := r.prepare(ctx); err != nil {
		return dir, nil, err
	}
	if load, ok := loadAtPeak(r.caps, r.peaks); ok {
		fmt.Fprintf(w, "peaks together load the machine to %.2f of its capacity (utilisation law over the calibrated streams: at 1 every core would be busy)\n", load)
	}
	host := reports.NewHostSampler(reports.HostSamplerConfig{})
	hostCtx, stopHost := context.WithCancel(ctx)
	defer stopHost()
	if err := host.Start(hostCtx); err != nil {
		r.notes = append(r.notes, "host sampler: "+err.Error())
	}
	stopBackground := r.drive(ctx)
	checks := r.settle(ctx)
	stopBackground()
	stopHost()
	run, err := r.report(ctx, host.Stop(), checks)
	if err != nil {
		return dir, nil, err
	}
	if err := reports.Write(dir, run); err != nil {
		return dir, run, err
	}
	return dir, run, ctx.Err()
}

// prepare builds the streams: orders for the api stream's reads, pacers at
// the calibrated peaks.
func (r *labRun) prepare(ctx context.Context) error {
	s := r.s
	total := s.TotalDuration()
	if a := s.Streams.API; a != nil {
		tids, err := seedTids(ctx, r.sys.backendURL, labSellers(a.SessionsPerApp), tidsPerSeller)
		if err != nil {
			return err
		}
		r.peaks[scenarios.StreamAPI] = s.Peak(scenarios.StreamAPI, r.caps[scenarios.StreamAPI])
		seq, err := streamPacer(s, scenarios.StreamAPI, r.peaks[scenarios.StreamAPI])
		if err != nil {
			return err
		}
		if r.api, err = newAPIStream(s, r.sys.gatewayURLs, seq, tids, s.Seed); err != nil {
			return err
		}
	}
	if s.Streams.Orders != nil {
		r.peaks[scenarios.StreamOrders] = s.Peak(scenarios.StreamOrders, r.caps[scenarios.StreamOrders])
		seq, err := streamPacer(s, scenarios.StreamOrders, r.peaks[scenarios.StreamOrders])
		if err != nil {
			return err
		}
		if r.orders, err = newOrdersStream(s, r.sys.backendURL, seq, total); err != nil {
			return err
		}
	}
	return nil
}

// drive runs every stream, the fault schedule and the progress line over
// the timeline. It returns when the load has ended; the push clients and the
// fault schedule run on until the returned stop.
func (r *labRun) drive(ctx context.Context) (stop func()) {
	s := r.s
	total := s.TotalDuration()
	r.start = time.Now()
	bgCtx, stopBG := context.WithCancel(ctx)
	var bg sync.WaitGroup
	if s.Streams.Push != nil {
		r.push = newPushStream(s, r.sys, r.start)
		bg.Go(func() { r.push.run(bgCtx) })
		if s.Shaped(scenarios.StreamPush) {
			bg.Go(func() { r.publish(bgCtx) })
		}
	}
	bg.Go(func() { runFaults(bgCtx, r.sys.sup, r.start, faultSteps(s), &r.faults, r.o.progress) })
	var load sync.WaitGroup
	if r.api != nil {
		load.Go(func() { r.api.run(ctx, total) })
	}
	if r.orders != nil {
		load.Go(func() { r.orders.run(ctx) })
	}
	progCtx, stopProg := context.WithCancel(ctx)
	var prog sync.WaitGroup
	prog.Go(func() { newRunProgress(r.o.progress, r.progressLine).run(progCtx, r.start) })
	load.Wait()
	stopProg()
	prog.Wait()
	return func() { stopBG(); bg.Wait() }
}

// progressLine is the live line at elapsed.
func (r *labRun) progressLine(elapsed time.Duration) string {
	phase := "end"
	if i, ok := r.s.PhaseAt(elapsed); ok {
		phase = r.s.Phases[i].Name
	}
	var streams []streamProgress
	if r.api != nil {
		t, a, _, e, p99 := r.api.progress()
		streams = append(streams, streamProgress{name: "api", target: t, achieved: a, errs: e, p99: p99})
	}
	if r.orders != nil {
		p := r.orders.progress()
		streams = append(streams, streamProgress{name: "orders", target: p.Target, achieved: p.Achieved, errs: p.Failed})
	}
	if r.push != nil {
		streams = append(streams, streamProgress{name: "push", extra: fmt.Sprintf("received %d, %d clients connected",
			r.push.received.Load(), r.push.connected.Load())})
	}
	return progressLine(phase, elapsed, r.s.TotalDuration(), streams)
}
