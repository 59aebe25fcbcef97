package loadgen

import (
	"fmt"
	"io"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mattn/go-isatty"

	"github.com/toplab/toplab/system/clock"
)

// Progress is a live view of a run, delivered every Options.ProgressEvery and
// once more, Final, when it ends.
type Progress struct {
	Model              string
	Elapsed, Remaining time.Duration
	// Target is the pacer's rate now (0 in the closed model); Achieved the
	// hits sent per second since the previous report (over the whole run when Final).
	Target, Achieved float64
	// Requests and Errors count results so far; P99 is their corrected latency.
	Requests, Errors uint64
	P99              time.Duration
	Final            bool
}

// String renders the progress line.
func (p Progress) String() string {
	target := ""
	if p.Model == ModelOpen {
		target = fmt.Sprintf("target %.0f/s ", p.Target)
	}
	return fmt.Sprintf("%s %s/%s %sachieved %.0f/s | %d req %d err | p99 %s",
		p.Model, p.Elapsed.Round(time.Second), (p.Elapsed + p.Remaining).Round(time.Second),
		target, p.Achieved, p.Requests, p.Errors, p.P99.Round(time.Microsecond))
}

// lineWriter renders progress to w: rewriting one line in place on a
// terminal, one plain line per report otherwise (a log file, a pipe).
func lineWriter(w io.Writer) func(Progress) {
	return writeLines(w, isTerminal(w))
}

func writeLines(w io.Writer, tty bool) func(Progress) {
	return func(p Progress) {
		switch {
		case !tty:
			fmt.Fprintln(w, p)
		case p.Final:
			fmt.Fprintf(w, "\r%s\x1b[K\n", p)
		default:
			fmt.Fprintf(w, "\r%s\x1b[K", p)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// sinks combines the configured progress receivers, nil if there are none.
func (o Options) progressSink() func(Progress) {
	var fns []func(Progress)
	if o.Progress != nil {
		fns = append(fns, o.Progress)
	}
	if o.ProgressWriter != nil {
		fns = append(fns, lineWriter(o.ProgressWriter))
	}
	if len(fns) == 0 {
		return nil
	}
	return func(p Progress) {
		for _, fn := range fns {
			fn(p)
		}
	}
}

// startProgress calls emit with sample's report on every tick of clk until the
// returned stop, which emits the final report and returns once the loop is done.
func startProgress(clk clock.Clock, every time.Duration, sample func(final bool) Progress, emit func(Progress)) (stop func()) {
	if emit == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	ticker := clk.NewTicker(every)
	go func() {
		defer close(finished)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C():
				emit(sample(false))
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		emit(sample(true))
	}
}

// sampler builds a run's progress reports from the gate and the recorder.
// Its reports are taken one at a time: by the ticker loop, then the final one.
type sampler struct {
	model    string
	clk      clock.Clock
	start    time.Time
	duration time.Duration
	rate     func(time.Duration) float64
	sent     func() uint64
	rec      *Recorder
	scratch  *hdrhistogram.Histogram
	lastSent uint64
	lastAt   time.Duration
}

func (s *sampler) sample(final bool) Progress {
	elapsed := s.clk.Since(s.start)
	sent := s.sent()
	t := s.rec.tally(s.scratch)
	p := Progress{
		Model:     s.model,
		Elapsed:   elapsed,
		Remaining: max(s.duration-elapsed, 0),
		Target:    s.rate(elapsed),
		Requests:  t.requests,
		Errors:    t.errors,
		P99:       t.p99,
		Final:     final,
	}
	from, base := s.lastAt, s.lastSent
	if final {
		from, base = 0, 0
	}
	if dt := elapsed - from; dt > 0 && sent >= base {
		p.Achieved = float64(sent-base) / dt.Seconds()
	}
	s.lastSent, s.lastAt = sent, elapsed
	return p
}
