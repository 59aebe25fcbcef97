package clock

import (
	"context"
	"time"
)

// Wait blocks for d on c, or until ctx ends, and returns ctx.Err() when ctx
// ended first (or already had, for a d that is not positive).
func Wait(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := Or(c).NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
