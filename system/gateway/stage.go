package gateway

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/top"
)

// Stage is one step of the pipeline. A stage returns a TOP error to end the
// call; the HTTP layer is the one place that renders it.
type Stage interface {
	Name() string
	Handle(ctx context.Context, c *Call) *top.Error
}

// pipeline runs stages in order, timing a sample of calls per stage: reading
// the clock around every stage of every call would cost more than some stages.
type pipeline struct {
	stages  []Stage
	timers  []prometheus.Observer
	every   uint64 // time one call in every
	counter atomic.Uint64
}

func newPipeline(m *metrics, sampleEvery uint64, stages ...Stage) *pipeline {
	p := &pipeline{stages: stages, every: max(sampleEvery, 1)}
	for _, s := range stages {
		p.timers = append(p.timers, m.stageSeconds.WithLabelValues(s.Name()))
	}
	return p
}

func (p *pipeline) run(ctx context.Context, c *Call) *top.Error {
	if p.counter.Add(1)%p.every != 0 {
		for _, s := range p.stages {
			if err := s.Handle(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}
	for i, s := range p.stages {
		start := time.Now()
		err := s.Handle(ctx, c)
		p.timers[i].Observe(time.Since(start).Seconds())
		if err != nil {
			return err
		}
	}
	return nil
}
