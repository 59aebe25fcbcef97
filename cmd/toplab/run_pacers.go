package main

import (
	"bytes"
	"fmt"
	"time"

	"github.com/toplab/toplab/loadgen/pacer"
	"github.com/toplab/toplab/scenarios"
)

// streamPacer is a stream's pacer over the whole timeline: a pacer.Sequence
// of its pieces, each shape's rates multiplied by the stream's peak (hits per
// second). Idle pieces are a zero-rate Constant.
func streamPacer(s *scenarios.Scenario, stream string, peak float64) (pacer.Sequence, error) {
	var pieces []pacer.Piece
	for _, p := range s.Pieces(stream) {
		sh, err := shapeOf(s, p.Shape, peak, p.Duration)
		if err != nil {
			return pacer.Sequence{}, fmt.Errorf("stream %s, phases %v: %w", stream, p.Phases, err)
		}
		pieces = append(pieces, pacer.Piece{For: p.Duration, Shape: sh})
	}
	return pacer.NewSequence(pieces...)
}

// shapeOf converts a scenario shape (rates as fractions of the peak) into a
// pacer shape in hits per second; the fields are one for one.
func shapeOf(s *scenarios.Scenario, sh *scenarios.Shape, peak float64, d time.Duration) (pacer.Shape, error) {
	if sh == nil {
		return pacer.Constant{PerSecond: 0, Duration: d}, nil
	}
	switch sh.Kind {
	case scenarios.KindConstant:
		return pacer.Constant{PerSecond: sh.Constant.Rate * peak, Duration: d}, nil
	case scenarios.KindLinear:
		return pacer.Linear{From: sh.Linear.From * peak, To: sh.Linear.To * peak, Duration: d}, nil
	case scenarios.KindStep:
		st := sh.Step
		return pacer.Step{Start: st.Start * peak, By: st.By * peak, Every: st.Every, Steps: st.Steps, Max: st.Max * peak, Duration: d}, nil
	case scenarios.KindSpike:
		sp := sh.Spike
		return pacer.Spike{Base: sp.Base * peak, Peak: sp.Peak * peak, At: sp.At, Rise: sp.Rise, Width: sp.Width, Fall: sp.Fall, Duration: d}, nil
	case scenarios.KindDouble11:
		n := sh.Double11
		out := pacer.Double11{Baseline: n.Baseline * peak, Midnight: n.Midnight, Ramp: n.Ramp, Peak: n.Peak * peak, Hold: n.Hold,
			Decay: pacer.Decay{Exponent: n.Decay.Exponent, Scale: n.Decay.Scale}, Tail: n.Tail.Rate * peak, TailFor: n.Tail.Duration}
		if n.PreSale != nil {
			out.PreSale = pacer.Wave{Start: n.PreSale.Start, Duration: n.PreSale.Duration, Height: n.PreSale.Height * peak}
		}
		return out, nil
	case scenarios.KindReplay:
		data, err := s.ReadFile(sh.Replay.File)
		if err != nil {
			return nil, err
		}
		interp, err := pacer.ParseInterpolation(sh.Replay.Interpolate)
		if err != nil {
			return nil, err
		}
		r, err := pacer.ReadReplay(bytes.NewReader(data), interp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sh.Replay.File, err)
		}
		top := 0.0
		for _, pt := range r.Points() {
			top = max(top, pt.Rate)
		}
		if top == 0 {
			return r, nil
		}
		return pacer.Scaled{Factor: sh.Replay.Peak * peak / top, Shape: r}, nil
	}
	return nil, fmt.Errorf("shape %q cannot be paced", sh.Kind)
}
