package pacer

import (
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// simulate runs p the way vegeta's attack loop does, with sends that take no
// time: ask Pace, wait what it says, send, count. It stops when Pace stops or
// the next hit would go out after horizon (for endless shapes).
func simulate(t *testing.T, p vegeta.Pacer, horizon time.Duration) []time.Duration {
	t.Helper()
	const limit = 5_000_000
	var (
		now   time.Duration
		times []time.Duration
	)
	for n := uint64(0); ; n++ {
		wait, stop := p.Pace(now, n)
		if stop {
			return times
		}
		if wait < 0 {
			t.Fatalf("hit %d: negative wait %v", n, wait)
		}
		if now+wait > horizon {
			return times
		}
		now += wait
		times = append(times, now)
		if len(times) > limit {
			t.Fatalf("more than %d hits", limit)
		}
	}
}

// sentBy counts the hits sent at or before t.
func sentBy(times []time.Duration, t time.Duration) int {
	return sort.Search(len(times), func(i int) bool { return times[i] > t })
}

// integral tabulates the integral of rate from 0 at every multiple of dt up
// to end by the trapezoid rule, independently of any Hits method.
func integral(rate func(time.Duration) float64, dt, end time.Duration) []float64 {
	out := []float64{0}
	prev := rate(0)
	for t := dt; t <= end; t += dt {
		r := rate(t)
		out = append(out, out[len(out)-1]+(prev+r)/2*dt.Seconds())
		prev = r
	}
	return out
}

// hideSchedule hides a pacer's Intended, so loadgen walks its Pace.
type hideSchedule struct{ vegeta.Pacer }

// mustNot fails when err is nil or does not mention want.
func mustMention(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }
