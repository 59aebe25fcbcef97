package swarm

import (
	"fmt"
	"io"
	"time"

	"github.com/mattn/go-isatty"
)

// progressLine renders one progress report.
func progressLine(r Result, total int, elapsed time.Duration, rate float64) string {
	return fmt.Sprintf("swarm %d/%d open %.0f conn/s | %d errors | %s",
		r.Opened, total, rate, r.Failed, elapsed.Round(100*time.Millisecond))
}

// startProgress writes a progress line every ProgressEvery until the
// returned stop, which writes the final one. On a terminal the line is
// rewritten in place; elsewhere each report is its own line.
func (s *Swarm) startProgress(start time.Time) (stop func()) {
	w := s.cfg.Progress
	if w == nil {
		return func() {}
	}
	tty := isTerminal(w)
	lastOpened, lastAt := 0, start
	emit := func(final bool) {
		now := s.cfg.Clock.Now()
		r := s.Result()
		rate := 0.0
		if final {
			if el := now.Sub(start).Seconds(); el > 0 {
				rate = float64(r.Opened) / el
			}
		} else if el := now.Sub(lastAt).Seconds(); el > 0 {
			rate = float64(r.Opened-lastOpened) / el
		}
		lastOpened, lastAt = r.Opened, now
		line := progressLine(r, s.cfg.Conns, now.Sub(start), rate)
		switch {
		case !tty:
			fmt.Fprintln(w, line)
		case final:
			fmt.Fprintf(w, "\r%s\x1b[K\n", line)
		default:
			fmt.Fprintf(w, "\r%s\x1b[K", line)
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	t := s.cfg.Clock.NewTicker(s.cfg.ProgressEvery)
	go func() {
		defer close(finished)
		defer t.Stop()
		for {
			select {
			case <-t.C():
				emit(false)
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		emit(true)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
