package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// pieces checks stream's shapes phase by phase: a continue needs a shape to
// continue, and each shape must fit the piece it runs over.
func (v *validator) pieces(stream string) {
	s := v.s
	shapedBefore := false
	for i := range s.Phases {
		sh := s.Phases[i].shape(stream)
		if sh != nil && sh.Kind == KindContinue && !shapedBefore {
			if i == 0 {
				v.errf(shapePath(i, stream)+".kind", "continue in the first phase: there is no shape to continue")
			} else {
				v.errf(shapePath(i, stream)+".kind", "continue needs phases[%d] to give %s a shape", i-1, stream)
			}
		}
		shapedBefore = sh != nil && sh.Kind != "" && (sh.Kind != KindContinue || shapedBefore)
	}
	for _, pc := range s.Pieces(stream) {
		if pc.Shape != nil {
			v.shape(shapePath(pc.first, stream), pc.Shape, pc.Duration)
		}
	}
}

func shapePath(phase int, stream string) string {
	return field(field(field(index("phases", phase), "streams"), stream), "shape")
}

// shape checks one shape against the duration it runs for (its phase, plus
// the phases that continue it). Its rates are fractions of the stream's peak.
func (v *validator) shape(path string, sh *Shape, d time.Duration) {
	req := func(f string) bool { return v.required(field(path, f)) }
	frac := func(f string, x float64) {
		if req(f) {
			v.fraction(field(path, f), x)
		}
	}
	fits := func(f string, end time.Duration, what string) {
		if end > d {
			v.errf(field(path, f), "%s ends at %s, after the shape's %s (its phase and those continuing it)", what, end, d)
		}
	}
	switch sh.Kind {
	case KindConstant:
		frac("rate", sh.Constant.Rate)
	case KindLinear:
		frac("from", sh.Linear.From)
		frac("to", sh.Linear.To)
	case KindStep:
		st := sh.Step
		frac("start", st.Start)
		if req("by") && (st.By == 0 || st.By < -1 || st.By > 1) {
			v.errf(field(path, "by"), "must be a non-zero fraction in [-1, 1], got %g", st.By)
		}
		if req("every") {
			v.positive(field(path, "every"), st.Every)
			fits("every", st.Every, "the first step")
		}
		if st.Steps < 0 {
			v.errf(field(path, "steps"), "must be >= 0 (0: until the shape ends), got %d", st.Steps)
		}
		if st.Max <= 0 || st.Max > 1 {
			v.errf(field(path, "max"), "must be in (0, 1], got %g", st.Max)
		} else if st.Start > st.Max {
			v.errf(field(path, "start"), "above max (%g)", st.Max)
		}
	case KindSpike:
		sp := sh.Spike
		frac("base", sp.Base)
		frac("peak", sp.Peak)
		if sp.Base > sp.Peak {
			v.errf(field(path, "peak"), "below base (%g)", sp.Base)
		}
		if req("at") && sp.At < 0 {
			v.errf(field(path, "at"), "must be >= 0, got %s", sp.At)
		}
		if req("width") {
			v.positive(field(path, "width"), sp.Width)
		}
		for f, x := range map[string]time.Duration{"rise": sp.Rise, "fall": sp.Fall} {
			if x < 0 {
				v.errf(field(path, f), "must be >= 0, got %s", x)
			}
		}
		fits("width", sp.At+sp.Rise+sp.Width+sp.Fall, "the spike (at + rise + width + fall)")
	case KindDouble11:
		v.double11(path, sh.Double11, d)
	case KindReplay:
		v.replay(path, sh.Replay)
	}
}

func (v *validator) double11(path string, n *Double11, d time.Duration) {
	s := v.s
	frac := func(f string, x float64) {
		if v.required(field(path, f)) {
			v.fraction(field(path, f), x)
		}
	}
	frac("baseline", n.Baseline)
	frac("peak", n.Peak)
	if n.Peak < n.Baseline {
		v.errf(field(path, "peak"), "below baseline (%g)", n.Baseline)
	}
	if v.required(field(path, "midnight")) && (n.Midnight < 0 || n.Midnight >= d) {
		v.errf(field(path, "midnight"), "must be in [0, %s) (the shape's length), got %s", d, n.Midnight)
	}
	if v.required(field(path, "ramp")) && n.Ramp < 0 {
		v.errf(field(path, "ramp"), "must be >= 0, got %s", n.Ramp)
	}
	if n.Hold < 0 {
		v.errf(field(path, "hold"), "must be >= 0, got %s", n.Hold)
	}
	if v.required(field(path, "decay")) {
		dp := field(path, "decay")
		if v.required(field(dp, "exponent")) && n.Decay.Exponent <= 0 {
			v.errf(field(dp, "exponent"), "must be > 0, got %g", n.Decay.Exponent)
		}
		if v.required(field(dp, "scale")) {
			v.positive(field(dp, "scale"), n.Decay.Scale)
		}
	}
	if w := n.PreSale; w != nil {
		wp := field(path, "presale")
		if v.required(field(wp, "start")) && w.Start < 0 {
			v.errf(field(wp, "start"), "must be >= 0, got %s", w.Start)
		}
		if v.required(field(wp, "duration")) {
			v.positive(field(wp, "duration"), w.Duration)
		}
		if v.required(field(wp, "height")) {
			v.fraction(field(wp, "height"), w.Height)
			if w.Height > n.Peak {
				v.errf(field(wp, "height"), "above peak (%g)", n.Peak)
			}
		}
		if s.has(field(path, "midnight")) && w.Start+w.Duration > n.Midnight {
			v.errf(field(wp, "duration"), "the pre-sale wave ends at %s, after midnight (%s)", w.Start+w.Duration, n.Midnight)
		}
	}
	if v.required(field(path, "tail")) {
		t, tp := n.Tail, field(path, "tail")
		if v.required(field(tp, "rate")) {
			v.fraction(field(tp, "rate"), t.Rate)
			if t.Rate > n.Peak {
				v.errf(field(tp, "rate"), "above peak (%g)", n.Peak)
			}
		}
		if v.required(field(tp, "duration")) {
			v.positive(field(tp, "duration"), t.Duration)
			if end := n.Midnight + n.Ramp + n.Hold + t.Duration; end > d {
				v.errf(field(tp, "duration"), "the night (midnight + ramp + hold + tail) ends at %s, after the shape's %s", end, d)
			}
		}
	}
}

func (v *validator) replay(path string, r *Replay) {
	v.oneOf(field(path, "interpolate"), r.Interpolate, InterpolateHold, InterpolateLinear)
	if r.Peak <= 0 || r.Peak > 1 {
		v.errf(field(path, "peak"), "must be in (0, 1], got %g", r.Peak)
	}
	if !v.required(field(path, "file")) {
		return
	}
	if err := v.s.statFile(r.File); err != nil {
		v.errf(field(path, "file"), "%v", err)
	}
}

// statFile checks that a file the scenario names exists and is a regular file.
func (s *Scenario) statFile(name string) error {
	var info fs.FileInfo
	var err error
	if s.fsys != nil {
		p := path.Join(s.dir, name)
		if !fs.ValidPath(p) {
			return errors.New("must be a path relative to the scenario file, inside its folder")
		}
		info, err = fs.Stat(s.fsys, p)
	} else {
		info, err = os.Stat(s.resolve(name))
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file (paths are relative to the scenario file)")
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return errors.New("not a regular file")
	}
	return nil
}

func (s *Scenario) resolve(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.dir, name)
}

// ReadFile reads a file the scenario names (a replay CSV), relative to the
// scenario file; bundled scenarios read from the binary.
func (s *Scenario) ReadFile(name string) ([]byte, error) {
	if s.fsys != nil {
		return fs.ReadFile(s.fsys, path.Join(s.dir, name))
	}
	return os.ReadFile(s.resolve(name))
}
