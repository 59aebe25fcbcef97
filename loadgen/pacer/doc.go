// Package pacer holds the lab's load shapes: vegeta Pacers that also know
// their schedule in closed form (loadgen.Intender).
//
// # Hit convention
//
// Every shape is defined by its rate r(t) in hits per second and its integral
// H(t), the hits due by elapsed time t ([Shape.Hits]). Hit n (0-based) is due
// at the earliest whole nanosecond t at which H(t) >= n+1 ([Shape.Until]), so
// the hits sent by time t are exactly floor(H(t)). This is vegeta's
// ConstantPacer convention (hit n at (n+1)/rate, nothing at t = 0), not its
// LinearPacer's (which sends hit 0 at once). Intended(n) returns that time;
// Pace(elapsed, n) waits until it (0 when behind) and stops when the shape
// ends before hit n is due. A hit due exactly at the shape's end is sent.
//
// The integral is analytic per piece (constant, linear, raised-cosine hump,
// power-law decay) and inverted in closed form where it exists (constant,
// linear, step) and by Newton's method kept inside a bisection bracket where
// it does not (hump, decay); the result is then settled to the nanosecond
// against H itself. Every shape is a value, a pure function of its fields,
// safe for the concurrent calls the engine makes.
//
// # Shapes
//
// [Constant], [Linear], [Step], [Spike], [Double11] (the shopping-festival
// night, [DefaultDouble11] for the lab's compressed version), [Replay] (rates
// per second from a CSV), [Sequence] (phases back to back) and [Scaled] (a
// shape times a factor). [Sample] tabulates any vegeta.Pacer's rate for plots.
//
// A shape whose Validate fails sends nothing: Pace stops at once and Rate is 0.
package pacer
