// Package loadgen is the lab's HTTP load generator: vegeta as the engine,
// HdrHistogram as the recorder, with latency corrected for coordinated omission.
//
// # Models
//
// [Attack] runs an open model: a [vegeta.Pacer] decides when each hit is due,
// whatever the server does, the way independent ISV clients arrive at the
// gateway. [Closed] runs a closed model: N workers, each sending its next
// request as soon as the previous one completes, like wrk; it exists to compare
// with closed-model tools and to measure the generator's own capacity.
//
// # Coordinated omission
//
// A generator with a bounded number of workers stops sending while they all
// wait on a stalled server. The requests it should have sent during the stall
// go out late, once the server recovers, and each one's measured latency
// (vegeta's Result.Latency, from the actual send to the end of the body) looks
// fine: the queueing they suffered happened inside the generator, so a server
// that stalls for a second has "hidden" almost all of that second from the
// histogram. The open model fixes this by measuring from the intended send time:
//
//  1. began is the instant vegeta's attack started: the gate pacer that wraps
//     the caller's pacer sees vegeta's first Pace(elapsed, 0) call and takes
//     began = now - elapsed (late by nanoseconds; vegeta does not export its
//     own start).
//  2. intended(n) is began plus the earliest elapsed time t at which the pacer
//     allows hit n, that is at which Pace(t, n) returns a wait <= 0 without
//     stopping ([Schedule], [IntendedTime]). It is searched with the pacer's
//     own waits as hints and closed by bisection to the nanosecond, so it
//     holds for any monotone pacer: for vegeta's ConstantPacer it is exactly
//     (n+1)*(Per/Freq), for LinearPacer and SinePacer the point where the
//     integral of Rate reaches n+1 (hit 0 of a LinearPacer is due at once).
//     A pacer that knows its schedule in closed form implements [Intender].
//  3. vegeta numbers hits in the order workers pick them up (Result.Seq) and
//     stamps the actual send time (Result.Timestamp), so hit Seq fills the
//     Seq-th slot of the schedule and its corrected latency is
//     corrected = (Result.Timestamp - intended(Seq)) + Result.Latency,
//     clamped below at Result.Latency (a hit is never sent before it is due;
//     a negative lag is timer or start-estimate noise).
//
// Both distributions are kept: "corrected" for SLOs, "raw" (vegeta's latency) to
// show how much of the latency the generator itself queued. The per-second
// series is indexed by the intended second, so a stall shows up in the second
// it happened, not in the second the backlog drained.
//
// The end of an open run is decided by the schedule too: every hit intended at
// or before Options.Duration is sent, even when the generator is behind, for up
// to Options.Drain after the duration; hits still unsent then (or at
// cancellation) are counted in Summary.Unsent rather than silently dropped.
//
// The closed model has no schedule to be late against: by design a worker sends
// when the previous response arrives, so the generator slows down with the
// server and the "omission" is the model itself. Its latencies are vegeta's raw
// service times (Summary.Corrected equals Summary.Raw), which is what wrk
// reports and what the comparison needs.
//
// # Recording
//
// Results are read from vegeta's channel by Options.Shards goroutines, each
// owning a [Shard]: two dense HdrHistograms (corrected and raw, microseconds,
// 1 us to 1 h, 3 significant digits), packed per-second histograms, status
// code and outcome counts. Shards are merged when the run ends; a shard's mutex
// is only ever contended by the once-a-second progress reader. [Summary] is
// JSON: histograms travel as V2 compressed HdrHistogram strings, so summaries
// from several agents merge losslessly ([Summary.Merge]).
//
// # Seams
//
// New load shapes are vegeta Pacers (optionally [Intender]s); new request
// sources are vegeta Targeters; a [Classifier] turns a result into an outcome
// (the TOP targeter will classify TOP error codes from the body); other
// recorders of latency (the push swarm) use [NewRecorder] and [Shard.Record].
//
// The attack engine runs on the wall clock (vegeta paces with time.Now); the
// injected Options.Clock drives the progress ticker only.
package loadgen
