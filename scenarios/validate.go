package scenarios

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// validator checks a decoded scenario, reporting against the positions the
// decoder recorded.
type validator struct {
	s    *Scenario
	errs *problems
}

var (
	scenarioName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	phaseName    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	flagName     = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	methodName   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
)

// runnerFlags are set by the runner for every node (addresses, folders,
// wiring between nodes, credentials, the scenario's seed and stores); a
// scenario may not set them.
var runnerFlags = []string{"addr", "admin", "app", "backend", "count", "data", "gateway", "id", "internal", "meta-dsn", "mysql",
	"nodes", "push", "redis", "secret", "seed", "sqlite", "store-dir", "trade", "ws"}

// locate finds where path was written: its value, else its key, else the
// nearest written ancestor; a path a sweep set names the sweep.
func (v *validator) locate(path string, preferKey bool) Problem {
	s := v.s
	for p := path; ; p = parent(p) {
		if src, ok := s.swept[p]; ok {
			return Problem{File: src}
		}
		first, second := s.vals, s.keys
		if preferKey {
			first, second = s.keys, s.vals
		}
		if at, ok := first[p]; ok {
			return Problem{File: s.file, Line: at.line, Col: at.col}
		}
		if at, ok := second[p]; ok {
			return Problem{File: s.file, Line: at.line, Col: at.col}
		}
		if p == "" {
			return Problem{File: s.file, Line: 1, Col: 1}
		}
	}
}

func (v *validator) report(path string, preferKey bool, format string, args ...any) {
	p := v.locate(path, preferKey)
	p.Path, p.Msg = path, fmt.Sprintf(format, args...)
	v.errs.add(p)
}

// errf reports a problem with the value at path.
func (v *validator) errf(path, format string, args ...any) { v.report(path, false, format, args...) }

// keyErrf reports a problem with the name of a field or map key.
func (v *validator) keyErrf(path, format string, args ...any) { v.report(path, true, format, args...) }

func (v *validator) required(path string) bool {
	if !v.s.has(path) {
		v.keyErrf(path, "required") // at the parent's key: "slo:" rather than its first entry
		return false
	}
	return true
}

func (v *validator) fraction(path string, f float64) {
	if f < 0 || f > 1 {
		v.errf(path, "must be a fraction in [0, 1], got %g", f)
	}
}

func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.errf(path, "must be > 0, got %s", d)
	}
}

func (v *validator) atLeast(path string, n, low int) {
	if n < low {
		v.errf(path, "must be >= %d, got %d", low, n)
	}
}

func (v *validator) oneOf(path, got string, want ...string) {
	if !slices.Contains(want, got) {
		v.errf(path, "unknown value %q (want %s)", got, strings.Join(want, ", "))
	}
}

// validate checks everything and returns a *ValidationError or nil.
func (s *Scenario) validate() error {
	v := &validator{s: s, errs: &problems{}}
	if v.required("name") && !scenarioName.MatchString(s.Name) {
		v.errf("name", "must match %s, got %q", scenarioName, s.Name)
	}
	v.required("seed")
	v.env()
	v.knobs()
	v.positive("calibration.duration", s.Calibration.Duration)
	if s.has("scale") && (s.Scale <= 0 || s.Scale > 1) {
		v.errf("scale", "must be in (0, 1], got %g", s.Scale)
	}
	if s.Settle < 0 {
		v.errf("settle", "must be >= 0, got %s", s.Settle)
	}
	v.phases()
	if s.has("max_duration") {
		v.positive("max_duration", s.MaxDuration)
		if total := s.TotalDuration() + max(s.Settle, 0); s.MaxDuration > 0 && total > s.MaxDuration {
			v.errf("max_duration", "the phases (%s) and settle (%s) take %s, more than %s", s.TotalDuration(), s.Settle, total, s.MaxDuration)
		}
	}
	v.streams()
	v.slo()
	v.faults()
	return v.errs.err(s.file)
}

func (v *validator) env() {
	s := v.s
	v.oneOf("env.store", s.Env.Store, StoreSQLite, StoreMariaDB)
	v.oneOf("env.coord", s.Env.Coord, CoordSQLite, CoordRedis)
	if len(s.Env.Nodes) == 0 {
		v.errf("env.nodes", "required: at least one of %s", strings.Join(Roles, ", "))
	}
	for _, role := range slices.Sorted(maps.Keys(s.Env.Nodes)) {
		n := s.Env.Nodes[role]
		path := field("env.nodes", role)
		if !slices.Contains(Roles, role) {
			v.keyErrf(path, "unknown role %q (want %s)", role, strings.Join(Roles, ", "))
		}
		if n.Count < 1 || n.Count > 64 {
			v.errf(field(path, "count"), "must be in 1..64, got %d", n.Count)
		}
		for _, flag := range slices.Sorted(maps.Keys(n.Flags)) {
			fp := field(field(path, "flags"), flag)
			v.flag(fp, flag)
			if n.Flags[flag] == "" {
				v.errf(fp, "empty value")
			}
		}
	}
}

// flag checks a flag name (without its dash).
func (v *validator) flag(path, flag string) {
	switch {
	case !flagName.MatchString(flag):
		v.keyErrf(path, "flag name must match %s (no leading dash), got %q", flagName, flag)
	case flag == "count":
		v.keyErrf(path, "count is not a flag: set env.nodes.<role>.count")
	case slices.Contains(runnerFlags, flag):
		v.keyErrf(path, "flag -%s is set by the runner", flag)
	}
}

func (v *validator) knobs() {
	s := v.s
	for _, knob := range slices.Sorted(maps.Keys(s.Tuning)) {
		path := field("knobs", knob)
		role, flag, ok := strings.Cut(knob, ".")
		switch {
		case !ok:
			v.keyErrf(path, "knob must be <role>.<flag>, got %q", knob)
			continue
		case !slices.Contains(Roles, role):
			v.keyErrf(path, "unknown role %q (want %s)", role, strings.Join(Roles, ", "))
			continue
		}
		if _, has := s.Env.Nodes[role]; !has {
			v.keyErrf(path, "role %s has no nodes in env.nodes", role)
		}
		v.flag(path, flag)
		if s.Tuning[knob] == "" {
			v.errf(path, "empty value")
		}
		if _, dup := s.Env.Nodes[role].Flags[flag]; dup {
			v.keyErrf(path, "also set in env.nodes.%s.flags", role)
		}
	}
}

func (v *validator) phases() {
	s := v.s
	if len(s.Phases) == 0 {
		v.keyErrf("phases", "required: at least one phase")
		return
	}
	seen := map[string]int{}
	measured := false
	for i, p := range s.Phases {
		path := index("phases", i)
		if v.required(field(path, "name")) {
			if !phaseName.MatchString(p.Name) {
				v.errf(field(path, "name"), "must match %s, got %q", phaseName, p.Name)
			} else if j, dup := seen[p.Name]; dup {
				v.errf(field(path, "name"), "duplicate phase name %q (also phases[%d])", p.Name, j)
			}
			seen[p.Name] = i
		}
		if v.required(field(path, "duration")) {
			v.positive(field(path, "duration"), p.Duration)
		}
		if p.Warmup && measured {
			v.errf(field(path, "warmup"), "warm-up phases must come before all others")
		}
		measured = measured || !p.Warmup
		v.phaseStreams(i, &s.Phases[i])
	}
	if !measured {
		v.keyErrf("phases", "every phase is a warm-up: nothing would be measured")
	}
}

func (v *validator) phaseStreams(i int, p *Phase) {
	path := field(index("phases", i), "streams")
	for _, name := range StreamNames {
		present := (name == StreamAPI && p.Streams.API != nil) || (name == StreamOrders && p.Streams.Orders != nil) || (name == StreamPush && p.Streams.Push != nil)
		if present && !v.s.declared(name) {
			v.keyErrf(field(path, name), "stream %s is not declared in streams", name)
		}
	}
	for _, ps := range p.shapes() {
		if ps.shape.Kind == "" && !v.s.has(field(field(path, ps.stream), "shape")) {
			v.errf(field(field(path, ps.stream), "shape"), "required")
		}
	}
	if pl := p.Streams.Push; pl != nil {
		pp := field(path, StreamPush)
		if v.s.has(field(pp, "clients")) {
			v.atLeast(field(pp, "clients"), pl.Clients, 1)
		}
		if pl.Behaviours != nil {
			v.behaviours(field(pp, "behaviours"), *pl.Behaviours)
		}
	}
}

func (v *validator) behaviours(path string, b Behaviours) {
	parts := map[string]float64{"prompt": b.Prompt, "slow": b.Slow, "never": b.Never, "disconnect": b.Disconnect}
	for _, k := range slices.Sorted(maps.Keys(parts)) {
		v.fraction(field(path, k), parts[k])
	}
	if sum := b.Prompt + b.Slow + b.Never + b.Disconnect; math.Abs(sum-1) > 1e-9 {
		v.errf(path, "fractions must sum to 1, got %g", sum)
	}
}
