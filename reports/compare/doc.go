// Package compare sets lab runs side by side: their knobs (marking those
// that differ), every figure, and, per stream, whether the per-second
// samples of one run differ significantly from the first run's.
//
// # Statistics
//
// The samples are the run's measured seconds (warm-up and a trailing
// partial second excluded): the achieved rate, and the p99 latency of each
// second that has latencies. Two tests are reported per stream, metric and
// run against the first (baseline) run:
//
//   - Mann-Whitney U (golang.org/x/perf/benchmath's AssumeNothing), a rank
//     test that assumes no distribution: p < alpha (0.05) is "significant".
//   - A percentile bootstrap of the difference of the medians (run minus
//     baseline), resampling both runs with replacement from a seeded source
//     (so the same runs always give the same interval), quantiles by gonum
//     stat. An interval that excludes 0 agrees with the test.
//
// Seconds of one run are not independent (a slow second tends to follow a
// slow second), so both tests are somewhat optimistic; and a shaped load
// (a ramp) mixes rates by design. Compare runs of the same scenario, and
// trust a difference that repeats across runs.
package compare
