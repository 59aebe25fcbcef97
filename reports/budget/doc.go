// Package budget judges a run against performance budgets for CI: each
// entry bounds one figure of the run (reports.Run.Figures) absolutely, or
// relative to a baseline run, and a breach fails the build.
//
// A budgets file is YAML (or JSON, which YAML reads too); unknown fields
// are errors. testdata/budgets.yaml is a documented example:
//
//	budgets:
//	  - metric: streams.api.p99          # ms, warm-up excluded
//	    max: 50
//	  - metric: streams.api.rate         # achieved per second
//	    min: 900
//	    max_decrease_pct: 5              # at most 5% below the baseline
//	  - metric: slo:push e2e p99         # an SLO's measured value
//	    max: 200
//	  - metric: metrics.sync.statements_per_order
//	    max_increase_pct: 10             # at most 10% above the baseline
//
// An entry needs at least one of max, min, max_increase_pct,
// max_decrease_pct; it may combine them. Relative bounds need a baseline
// run. A metric the run lacks (or the baseline lacks, for a relative bound)
// is an error entry: it fails like a breach, so a renamed figure or a typo
// never passes silently.
package budget
