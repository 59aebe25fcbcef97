package scenarios

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// faults checks the chaos schedule: each fault within the run, on an
// instance that exists, and consistent with what came before it (no kill of
// a node that is down, no start of one that is up).
func (v *validator) faults() {
	s := v.s
	total := s.TotalDuration()
	names := []string{}
	for _, in := range s.Instances() {
		names = append(names, in.Name)
	}
	type event struct {
		at       time.Duration
		fault    int
		action   string
		implicit bool // the start a fault's `for` schedules
	}
	var events []event
	for i, f := range s.Faults {
		path := index("faults", i)
		ok := true
		if v.required(field(path, "at")) && (f.At < 0 || f.At >= total) {
			v.errf(field(path, "at"), "must be within the run [0, %s), got %s", total, f.At)
			ok = false
		}
		if v.required(field(path, "action")) && !slices.Contains(FaultActions, f.Action) {
			v.errf(field(path, "action"), "unknown action %q (want %s)", f.Action, strings.Join(FaultActions, ", "))
			ok = false
		}
		if v.required(field(path, "node")) && !slices.Contains(names, f.Node) {
			v.errf(field(path, "node"), "unknown node %q (want one of %s)", f.Node, strings.Join(names, ", "))
			ok = false
		}
		if s.has(field(path, "for")) && ok {
			switch {
			case f.Action != ActionKill && f.Action != ActionStop:
				v.errf(field(path, "for"), "only kill and stop take for")
				ok = false
			case f.For <= 0:
				v.errf(field(path, "for"), "must be > 0, got %s", f.For)
				ok = false
			case f.At+f.For >= total:
				v.errf(field(path, "for"), "the node would start again at %s, after the run (%s)", f.At+f.For, total)
				ok = false
			}
		}
		if !ok {
			continue
		}
		events = append(events, event{at: f.At, fault: i, action: f.Action})
		if f.For > 0 {
			events = append(events, event{at: f.At + f.For, fault: i, action: ActionStart, implicit: true})
		}
	}
	// Replay the schedule: at one instant a node comes back (for) before the
	// next fault hits it; explicit faults keep file order.
	slices.SortStableFunc(events, func(a, b event) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		if a.implicit != b.implicit {
			if a.implicit {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.fault, b.fault)
	})
	downSince := map[string]int{} // node -> fault that took it down
	for _, e := range events {
		f := s.Faults[e.fault]
		path := field(index("faults", e.fault), "action")
		if e.implicit {
			path = field(index("faults", e.fault), "for")
		}
		by, down := downSince[f.Node]
		switch {
		case (e.action == ActionKill || e.action == ActionStop || e.action == ActionRestart) && down:
			v.errf(path, "%s is down at %s (faults[%d]): nothing to %s", f.Node, e.at, by, e.action)
		case e.action == ActionStart && !down:
			v.errf(path, "%s is up at %s: nothing to start", f.Node, e.at)
		case e.action == ActionKill || e.action == ActionStop:
			downSince[f.Node] = e.fault
		case e.action == ActionStart:
			delete(downSince, f.Node)
		}
	}
}
