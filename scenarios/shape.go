package scenarios

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Shape kinds. A shape's rates are fractions of its stream's peak, its times
// offsets from the start of the phase the shape begins in; loadgen/pacer
// implements each kind and the runner converts (Shape is plain data here).
const (
	KindConstant = "constant"
	KindLinear   = "linear"
	KindStep     = "step"
	KindSpike    = "spike"
	KindDouble11 = "double11"
	KindReplay   = "replay"
	// KindContinue keeps the previous phase's shape of the stream running:
	// its clock does not restart, so one double11 night can span phases named
	// evening, presale, midnight ... (the runner merges them into one piece).
	KindContinue = "continue"
)

// ShapeKinds lists the kinds in the order the error messages give them.
var ShapeKinds = []string{KindConstant, KindLinear, KindStep, KindSpike, KindDouble11, KindReplay, KindContinue}

// Shape is a traffic shape: Kind and the one matching field (none for continue).
// In YAML the kind's fields sit beside `kind`: {kind: constant, rate: 0.5}.
type Shape struct {
	Kind     string    `json:"kind"`
	Constant *Constant `json:"constant,omitempty"`
	Linear   *Linear   `json:"linear,omitempty"`
	Step     *Step     `json:"step,omitempty"`
	Spike    *Spike    `json:"spike,omitempty"`
	Double11 *Double11 `json:"double11,omitempty"`
	Replay   *Replay   `json:"replay,omitempty"`
}

// Constant holds Rate for the whole piece.
type Constant struct {
	Rate float64 `yaml:"rate" json:"rate"`
}

// Linear goes from From to To over the piece.
type Linear struct {
	From float64 `yaml:"from" json:"from"`
	To   float64 `yaml:"to" json:"to"`
}

// Step starts at Start and adds By (negative steps down) every Every,
// Steps times (0: no limit), never above Max (default 1) nor below 0.
type Step struct {
	Start float64       `yaml:"start" json:"start"`
	By    float64       `yaml:"by" json:"by"`
	Every time.Duration `yaml:"every" json:"every"`
	Steps int           `yaml:"steps" json:"steps,omitempty"`
	Max   float64       `yaml:"max" json:"max"`
}

// Spike holds Base, rises over Rise from At to Peak, holds it for Width and
// falls back over Fall (Rise and Fall 0: a square pulse).
type Spike struct {
	Base  float64       `yaml:"base" json:"base"`
	Peak  float64       `yaml:"peak" json:"peak"`
	At    time.Duration `yaml:"at" json:"at"`
	Width time.Duration `yaml:"width" json:"width"`
	Rise  time.Duration `yaml:"rise" json:"rise,omitempty"`
	Fall  time.Duration `yaml:"fall" json:"fall,omitempty"`
}

// Double11 is the night of 11 November (REFERENCE section 4), field for
// field loadgen/pacer.Double11: Baseline with an optional pre-sale wave (a
// smooth hump of Height on it), at Midnight a linear Ramp to Peak, Peak for
// Hold, then for Tail.Duration a heavy-tailed decay towards Tail.Rate:
// Tail.Rate + (Peak-Tail.Rate)*(1+u/Decay.Scale)^-Decay.Exponent, u the time
// since the hold. The shape ends at Midnight+Ramp+Hold+Tail.Duration.
type Double11 struct {
	Baseline float64       `yaml:"baseline" json:"baseline"`
	PreSale  *Wave         `yaml:"presale" json:"presale,omitempty"`
	Midnight time.Duration `yaml:"midnight" json:"midnight"`
	Ramp     time.Duration `yaml:"ramp" json:"ramp"`
	Peak     float64       `yaml:"peak" json:"peak"`
	Hold     time.Duration `yaml:"hold" json:"hold,omitempty"`
	Decay    Decay         `yaml:"decay" json:"decay"`
	Tail     Tail          `yaml:"tail" json:"tail"`
}

// Wave is the pre-sale evening's opening hump.
type Wave struct {
	Start    time.Duration `yaml:"start" json:"start"`
	Duration time.Duration `yaml:"duration" json:"duration"`
	Height   float64       `yaml:"height" json:"height"`
}

// Decay is the heavy-tailed fall after the peak: a power law, Scale being
// when the fall becomes marked and Exponent how fat the tail is (smaller is fatter).
type Decay struct {
	Exponent float64       `yaml:"exponent" json:"exponent"`
	Scale    time.Duration `yaml:"scale" json:"scale"`
}

// Tail is the rate the decay tends to and how long decay and tail last.
type Tail struct {
	Rate     float64       `yaml:"rate" json:"rate"`
	Duration time.Duration `yaml:"duration" json:"duration"`
}

// Replay plays per-second rates from a CSV (see loadgen/pacer.Replay for the
// format). The curve is scaled so that its highest second is Peak (default 1)
// times the stream's peak. File is relative to the scenario file; read it
// with Scenario.ReadFile.
type Replay struct {
	File        string  `yaml:"file" json:"file"`
	Interpolate string  `yaml:"interpolate" json:"interpolate"` // hold (default) or linear
	Peak        float64 `yaml:"peak" json:"peak"`
}

// Replay interpolations, as loadgen/pacer.ParseInterpolation reads them.
const (
	InterpolateHold   = "hold"
	InterpolateLinear = "linear"
)

// params returns a pointer to the struct holding s's kind's fields, allocating
// it (nil for continue and unknown kinds).
func (s *Shape) params() any {
	alloc := func(p any) any {
		v := reflect.ValueOf(p).Elem()
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return v.Interface()
	}
	switch s.Kind {
	case KindConstant:
		return alloc(&s.Constant)
	case KindLinear:
		return alloc(&s.Linear)
	case KindStep:
		return alloc(&s.Step)
	case KindSpike:
		return alloc(&s.Spike)
	case KindDouble11:
		return alloc(&s.Double11)
	case KindReplay:
		return alloc(&s.Replay)
	}
	return nil
}

// decodeYAML reads {kind: K, ...K's fields}: the kind picks the struct the
// other keys decode into, so a field of another kind is an unknown field.
func (s *Shape) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "want a mapping with a kind (%s), got %s", strings.Join(ShapeKinds, ", "), describe(n))
		return
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Style: n.Style}
	var kind *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "kind" {
			if kind != nil {
				d.errf(k, field(path, "kind"), "duplicate key (first at line %d)", kind.Line)
				continue
			}
			kind = v
			d.keys[field(path, "kind")] = posOf(k)
			continue
		}
		rest.Content = append(rest.Content, k, v)
	}
	if kind == nil {
		d.errf(n, field(path, "kind"), "required (want %s)", strings.Join(ShapeKinds, ", "))
		return
	}
	kp := field(path, "kind")
	d.vals[kp] = posOf(kind)
	if !d.scalar(kind, kp, "a shape kind", "!!str") {
		return
	}
	if !slices.Contains(ShapeKinds, kind.Value) {
		d.errf(kind, kp, "unknown shape %q (want %s)", kind.Value, strings.Join(ShapeKinds, ", "))
		return
	}
	s.Kind = kind.Value
	p := s.params()
	if p == nil { // continue takes no fields
		p = &struct{}{}
	}
	d.decodeStruct(rest, path, reflect.ValueOf(p).Elem())
}
