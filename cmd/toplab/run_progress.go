package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// runProgress renders the live line of a run: the phase, each stream's
// target against achieved rate, errors and p99 so far, elapsed and
// remaining. On a terminal the line is rewritten every second; otherwise a
// plain line is printed every plainEvery.
type runProgress struct {
	w          io.Writer
	tty        bool
	plainEvery time.Duration
	line       func(elapsed time.Duration) string
}

func newRunProgress(w io.Writer, line func(time.Duration) string) *runProgress {
	return &runProgress{w: w, tty: isTTY(w), plainEvery: 10 * time.Second, line: line}
}

func isTTY(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// run prints until ctx ends, then one final line.
func (p *runProgress) run(ctx context.Context, start time.Time) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastPlain := time.Time{}
	for {
		select {
		case <-ctx.Done():
			if p.tty {
				fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line(time.Since(start)))
			} else {
				fmt.Fprintln(p.w, p.line(time.Since(start)))
			}
			return
		case now := <-tick.C:
			if p.tty {
				fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(now.Sub(start)))
			} else if now.Sub(lastPlain) >= p.plainEvery {
				fmt.Fprintln(p.w, p.line(now.Sub(start)))
				lastPlain = now
			}
		}
	}
}

// streamProgress is one stream's share of the line.
type streamProgress struct {
	name             string
	target, achieved float64
	errs             uint64
	p99              time.Duration
	extra            string
}

func (s streamProgress) String() string {
	var b strings.Builder
	b.WriteString(s.name)
	if s.target > 0 || s.achieved > 0 {
		fmt.Fprintf(&b, " %.0f/%.0f/s", s.achieved, s.target)
	}
	if s.errs > 0 {
		fmt.Fprintf(&b, " err %d", s.errs)
	}
	if s.p99 > 0 {
		fmt.Fprintf(&b, " p99 %s", s.p99.Round(100*time.Microsecond))
	}
	if s.extra != "" {
		b.WriteString(" " + s.extra)
	}
	return b.String()
}

// progressLine joins the phase, the clock and the streams.
func progressLine(phase string, elapsed, total time.Duration, streams []streamProgress) string {
	parts := []string{fmt.Sprintf("[%s] %s/%s (%s left)", phase, elapsed.Round(time.Second), total.Round(time.Second),
		max(total-elapsed, 0).Round(time.Second))}
	for _, s := range streams {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, " | ")
}
