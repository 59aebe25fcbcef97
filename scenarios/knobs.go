package scenarios

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Instance is one process of a role, named as the testenv supervisor names it.
type Instance struct {
	Role  string `json:"role"`
	Name  string `json:"name"`  // role when the count is 1, else role-1..role-N
	Index int    `json:"index"` // 1-based
}

// Instances lists every node instance, roles in start order.
func (s *Scenario) Instances() []Instance {
	var out []Instance
	for _, role := range Roles {
		n, ok := s.Env.Nodes[role]
		if !ok {
			continue
		}
		if n.Count == 1 {
			out = append(out, Instance{Role: role, Name: role, Index: 1})
			continue
		}
		for i := 1; i <= n.Count; i++ {
			out = append(out, Instance{Role: role, Name: role + "-" + strconv.Itoa(i), Index: i})
		}
	}
	return out
}

// flags returns role's flags: env.nodes.<role>.flags and the knobs for it.
func (s *Scenario) flags(role string) map[string]string {
	out := maps.Clone(s.Env.Nodes[role].Flags)
	if out == nil {
		out = map[string]string{}
	}
	for knob, v := range s.Tuning {
		if r, flag, ok := strings.Cut(knob, "."); ok && r == role {
			out[flag] = v
		}
	}
	return out
}

// NodeFlags returns the command-line flags the scenario gives every instance
// of role, as -name=value sorted by name; the runner adds its own (addresses,
// data folders, -seed ...), which the validator keeps scenarios from setting.
func (s *Scenario) NodeFlags(role string) []string {
	f := s.flags(role)
	out := make([]string, 0, len(f))
	for _, name := range slices.Sorted(maps.Keys(f)) {
		out = append(out, "-"+name+"="+f[name])
	}
	return out
}

// Knobs returns everything a --sweep can address, with its value: store,
// coord, seed, scale (when set), <role>.count and <role>.<flag> for every
// flag of env.nodes and knobs. Reports show them; compare diffs them.
func (s *Scenario) Knobs() map[string]string {
	out := map[string]string{
		"store": s.Env.Store,
		"coord": s.Env.Coord,
		"seed":  strconv.FormatUint(s.Seed, 10),
	}
	if s.Scale > 0 {
		out["scale"] = strconv.FormatFloat(s.Scale, 'g', -1, 64)
	}
	for role, n := range s.Env.Nodes {
		out[role+".count"] = strconv.Itoa(n.Count)
		for flag, v := range s.flags(role) {
			out[role+"."+flag] = v
		}
	}
	return out
}

// Sweeps returns the knob=value overrides applied so far, in order.
func (s *Scenario) Sweeps() []string { return slices.Clone(s.sweeps) }

// ParseSweep splits a --sweep argument "knob=a,b,c" into the knob and its
// values (at least one, none empty).
func ParseSweep(arg string) (knob string, values []string, err error) {
	knob, list, ok := strings.Cut(arg, "=")
	knob = strings.TrimSpace(knob)
	if !ok || knob == "" {
		return "", nil, fmt.Errorf("sweep %q: want knob=value[,value]", arg)
	}
	for v := range strings.SplitSeq(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil, fmt.Errorf("sweep %q: empty value", arg)
		}
		values = append(values, v)
	}
	return knob, values, nil
}

// ApplySweep sets one knob (a name Knobs lists, or a new <role>.<flag>) and
// validates the result; on error the scenario is unchanged. Problems caused
// by the value name "--sweep knob=value" instead of a line. To run each value
// of a sweep, apply it to a Clone.
func (s *Scenario) ApplySweep(knob, value string) error {
	c := s.Clone()
	src := "--sweep " + knob + "=" + value
	path, err := c.set(knob, value)
	if err != nil {
		return &ValidationError{File: s.file, Problems: []Problem{{File: src, Path: path, Msg: err.Error()}}}
	}
	c.swept[path] = src
	if err := c.validate(); err != nil {
		return err
	}
	c.sweeps = append(c.sweeps, knob+"="+value)
	*s = *c
	return nil
}

// set stores value at knob and returns the field path it went to.
func (s *Scenario) set(knob, value string) (string, error) {
	switch knob {
	case "scale":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return "scale", fmt.Errorf("want a number, got %q", value)
		}
		s.Scale = f
		return "scale", nil
	case "seed":
		u, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return "seed", fmt.Errorf("want a non-negative integer, got %q", value)
		}
		s.Seed = u
		return "seed", nil
	case "store":
		s.Env.Store = value
		return "env.store", nil
	case "coord":
		s.Env.Coord = value
		return "env.coord", nil
	}
	role, flag, ok := strings.Cut(knob, ".")
	if !ok || !slices.Contains(Roles, role) {
		return knob, fmt.Errorf("unknown knob %q (want scale, seed, store, coord, <role>.count or <role>.<flag> with a role of %s)", knob, strings.Join(Roles, ", "))
	}
	if s.Env.Nodes == nil {
		s.Env.Nodes = map[string]Node{}
	}
	n, exists := s.Env.Nodes[role]
	if !exists {
		n.Count = 1
	}
	rolePath := field("env.nodes", role)
	if flag == "count" {
		c, err := strconv.Atoi(value)
		if err != nil {
			return field(rolePath, "count"), fmt.Errorf("want an integer, got %q", value)
		}
		n.Count = c
		s.Env.Nodes[role] = n
		return field(rolePath, "count"), nil
	}
	s.Env.Nodes[role] = n
	if _, inFlags := n.Flags[flag]; inFlags { // change it where the file set it
		n.Flags[flag] = value
		return field(field(rolePath, "flags"), flag), nil
	}
	if s.Tuning == nil {
		s.Tuning = map[string]string{}
	}
	s.Tuning[knob] = value
	return field("knobs", knob), nil
}

// Clone returns a deep copy (the runner applies each sweep value to one).
func (s *Scenario) Clone() *Scenario {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("scenarios: clone: %v", err)) // every field is plain data
	}
	c := &Scenario{}
	if err := json.Unmarshal(b, c); err != nil {
		panic(fmt.Sprintf("scenarios: clone: %v", err))
	}
	c.file, c.fsys, c.dir = s.file, s.fsys, s.dir
	c.vals, c.keys = s.vals, s.keys // never written after Parse
	c.swept = maps.Clone(s.swept)
	if c.swept == nil {
		c.swept = map[string]string{}
	}
	c.sweeps = slices.Clone(s.sweeps)
	return c
}

// CheckFlags reports, with their lines, the flags (in env.nodes and knobs)
// that known says `toplab serve <role>` does not have: the runner passes its
// flag sets, which this package cannot import.
func (s *Scenario) CheckFlags(known func(role, flag string) bool) error {
	v := &validator{s: s, errs: &problems{}}
	for _, role := range slices.Sorted(maps.Keys(s.Env.Nodes)) {
		for _, flag := range slices.Sorted(maps.Keys(s.Env.Nodes[role].Flags)) {
			if !known(role, flag) {
				v.keyErrf(field(field(field("env.nodes", role), "flags"), flag), "toplab serve %s has no flag -%s", role, flag)
			}
		}
	}
	for _, knob := range slices.Sorted(maps.Keys(s.Tuning)) {
		if role, flag, ok := strings.Cut(knob, "."); ok && !known(role, flag) {
			v.keyErrf(field("knobs", knob), "toplab serve %s has no flag -%s", role, flag)
		}
	}
	return v.errs.err(s.file)
}
