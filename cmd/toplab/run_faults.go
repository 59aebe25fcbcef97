package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/testenv"
)

// faultStep is one action on a node at an offset from the run's start: the
// scenario's schedule with each kill/stop's `for` expanded into a start.
type faultStep struct {
	at     time.Duration
	action string
	node   string
}

// faultSteps expands the scenario's schedule, in time order.
func faultSteps(s *scenarios.Scenario) []faultStep {
	var out []faultStep
	for _, f := range s.Schedule() {
		out = append(out, faultStep{f.At, f.Action, f.Node})
		if f.For > 0 && (f.Action == scenarios.ActionKill || f.Action == scenarios.ActionStop) {
			out = append(out, faultStep{f.At + f.For, scenarios.ActionStart, f.Node})
		}
	}
	// stable insertion sort by time: the expansions may interleave
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].at < out[j-1].at; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// faultLog records what the schedule did, for the report's notes.
type faultLog struct {
	mu    sync.Mutex
	notes []string
}

func (l *faultLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.notes = append(l.notes, fmt.Sprintf(format, args...))
}

func (l *faultLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.notes...)
}

// runFaults applies the schedule through the supervisor until ctx ends: the
// seam the chaos wave extends with other injectors. The supervisor's events
// record every start's PID.
func runFaults(ctx context.Context, sup *testenv.Supervisor, start time.Time, steps []faultStep, log *faultLog, w io.Writer) {
	for _, st := range steps {
		if sleepCtx(ctx, time.Until(start.Add(st.at))) != nil {
			return
		}
		n := sup.Node(st.node)
		if n == nil {
			log.add("fault at %s: no node %s", st.at, st.node)
			continue
		}
		var err error
		switch st.action {
		case scenarios.ActionKill:
			err = n.Kill()
		case scenarios.ActionStop:
			err = n.Stop(ctx)
		case scenarios.ActionStart:
			err = n.Start(ctx)
		case scenarios.ActionRestart:
			err = n.Restart(ctx)
		default:
			err = fmt.Errorf("unknown action %q", st.action)
		}
		msg := fmt.Sprintf("fault at %s: %s %s (pid now %d)", st.at, st.action, st.node, n.PID())
		if err != nil {
			msg += ": " + err.Error()
		}
		log.add("%s", msg)
		fmt.Fprintln(w, msg)
	}
}
