package tmcclient

import (
	"math/rand/v2"
	"time"
)

// backoff picks the wait before a reconnect: exponential ceilings with full
// jitter. Full jitter (a uniform wait in [0, ceiling]) rather than a fixed
// delay is what spreads the clients of a node that went away: with a fixed
// delay they would all come back at the same instant and knock it over again.
type backoff struct {
	min, max time.Duration
	failures int                 // consecutive failed or short-lived connections
	rand     func(n int64) int64 // uniform in [0, n); rand.Int64N
}

func newBackoff(lo, hi time.Duration) *backoff {
	return &backoff{min: lo, max: hi, rand: rand.Int64N}
}

// ceiling is the largest wait after the given number of consecutive
// failures (1-based): min*2^(failures-1), capped at max.
func (b *backoff) ceiling(failures int) time.Duration {
	c := b.min
	for i := 1; i < failures && c < b.max; i++ {
		c *= 2
	}
	return min(c, b.max)
}

// next counts a failure and returns the wait before the next attempt.
func (b *backoff) next() time.Duration {
	b.failures++
	return b.uniform(0, b.ceiling(b.failures))
}

// refused returns the wait after the server refused the client itself (bad
// sign or request): retrying soon cannot help, so the wait is long but still
// jittered, in [max/2, max]. It counts as a failure too.
func (b *backoff) refused() time.Duration {
	b.failures++
	return b.uniform(b.max/2, b.max)
}

// reset forgets the failures, after a connection that stayed up.
func (b *backoff) reset() { b.failures = 0 }

// uniform returns a wait in [lo, hi].
func (b *backoff) uniform(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(b.rand(int64(hi-lo)+1))
}
