// Package chart draws the report's plots with gonum/plot and returns them as
// SVG text ready to inline into an HTML page: no XML prolog, no external
// references, fonts named but not embedded (the browser substitutes its own
// sans-serif), so a report stays small and opens offline.
//
// Output is deterministic: the same input gives byte-identical SVG, which is
// what lets the reports keep golden files. Nothing here reads the clock.
package chart
