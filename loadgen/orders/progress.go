package orders

import (
	"fmt"
	"time"
)

// Progress is a live view of a run, delivered every Config.ProgressEvery and
// once more, Final, when it ends.
type Progress struct {
	Elapsed time.Duration
	// Target is the pacer's rate now; Achieved the actions sent per second
	// since the previous report (over the whole run when Final).
	Target, Achieved float64
	Sent             uint64
	Failed           uint64 // conflicts and errors
	Skipped          uint64
	Final            bool
}

// String renders the progress line.
func (p Progress) String() string {
	return fmt.Sprintf("orders %s target %.0f/s achieved %.0f/s | %d sent %d failed %d skipped",
		p.Elapsed.Round(time.Second), p.Target, p.Achieved, p.Sent, p.Failed, p.Skipped)
}

// startProgress reports every ProgressEvery until the returned stop, which
// makes the final report.
func (g *Generator) startProgress(start time.Time) (stop func()) {
	emit := g.cfg.Progress
	if emit == nil {
		return func() {}
	}
	clk := g.cfg.Clock
	var lastSent uint64
	lastAt := start
	report := func(now time.Time, final bool) Progress {
		s := g.Stats()
		p := Progress{Elapsed: now.Sub(start), Target: g.cfg.Pacer.Rate(now.Sub(start)), Sent: s.Sent,
			Failed: s.Failed(), Skipped: s.Skipped, Final: final}
		from, base := lastAt, lastSent
		if final {
			from, base = start, 0
		}
		if dt := now.Sub(from).Seconds(); dt > 0 {
			p.Achieved = float64(s.Sent-base) / dt
		}
		lastSent, lastAt = s.Sent, now
		return p
	}
	done, finished := make(chan struct{}), make(chan struct{})
	ticker := clk.NewTicker(g.cfg.ProgressEvery)
	go func() {
		defer close(finished)
		defer ticker.Stop()
		for {
			select {
			case at := <-ticker.C():
				emit(report(at, false)) // as of the tick, however late this goroutine runs
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		emit(report(clk.Now(), true))
	}
}
