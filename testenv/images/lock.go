package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockCache takes an exclusive lock on the cache directory, so that two
// builds (two test binaries, say) do not debootstrap or import the same image
// at once; the second then finds the first one's images cached. The lock is a
// flock, released by the kernel if the process dies.
func lockCache(ctx context.Context, dir string, logf func(string, ...any)) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("images: lock: %w", err)
	}
	// flock cannot be interrupted by ctx: poll a non-blocking one instead.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			if waited {
				logf("images: waited for another build: %s", elapsed(start))
			}
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("images: lock %s: %w", f.Name(), err)
		}
		if !waited {
			logf("images: waiting for another build to release %s", f.Name())
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("images: lock: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
