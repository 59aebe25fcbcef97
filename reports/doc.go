// Package reports holds the results of one lab run and renders them.
//
// A run writes runs/<scenario>-<timestamp>/ (git-ignored) with
//
//   - summary.json: the [Run] itself, every figure the run produced; [Load]
//     reads it back for `toplab report`, `compare` and `budget`;
//   - summary.md: the SLO verdict table and the headline numbers;
//   - report.html: one self-contained page (inline CSS and SVG, no script, no
//     external URL) with the plots drawn by package chart.
//
// Units in the JSON are in the field names: latencies are milliseconds
// (*_ms), phase offsets seconds since the run's start (*_s), series are per
// second. Histograms are V2 compressed HdrHistograms in microseconds, the
// format loadgen records, so runs and agents merge losslessly.
//
// Subpackages: chart draws the plots, compare sets runs side by side with
// significance tests, budget judges a run against thresholds for CI.
package reports
