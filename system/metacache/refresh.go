package metacache

import (
	"context"
	"errors"

	"github.com/maypok86/otter/v2"
)

// refreshDue starts the background refresh of e, which a read found due at
// now, unless another read already did: the CAS that wins moves the deadline
// a refresh period on, so the other readers see it not due.
func (l *level[T]) refreshDue(ctx context.Context, id string, e *entry[T], now int64) {
	at := e.refreshAt.Load()
	if now < at || !e.refreshAt.CompareAndSwap(at, now+int64(l.c.jittered(l.c.cfg.RefreshAfter))) {
		return
	}
	// The refresh outlives the read, so it does not inherit its cancellation.
	rctx := context.WithoutCancel(ctx)
	l.c.cfg.executor(func() { l.refresh(rctx, id, e) })
}

// refresh fetches id again and replaces old with the result. Readers keep
// old until then and none of them waits.
func (l *level[T]) refresh(ctx context.Context, id string, old *entry[T]) {
	e, err := l.fetch(ctx, id)
	switch {
	case errors.Is(err, otter.ErrNotFound):
		l.forget(id, old)
	case err != nil:
		old.refreshAt.Store(0) // the next read retries
	default:
		l.replace(id, e)
	}
}

// replace stores e unless the key is gone (evicted or expired: a refresh does
// not bring it back) or holds an entry fetched after e started, such as the
// refresh a change notice started while an older refresh was reading.
func (l *level[T]) replace(id string, e *entry[T]) {
	l.local.ComputeIfPresent(id, func(cur *entry[T]) (*entry[T], otter.ComputeOp) {
		if cur.seq > e.seq {
			return cur, otter.CancelOp
		}
		return e, otter.WriteOp
	})
}

// forget removes id if it still holds e.
func (l *level[T]) forget(id string, e *entry[T]) {
	l.local.ComputeIfPresent(id, func(cur *entry[T]) (*entry[T], otter.ComputeOp) {
		if cur != e {
			return cur, otter.CancelOp
		}
		return nil, otter.InvalidateOp
	})
}

// changed refreshes id in the background if it is cached, as after a change
// notice.
func (l *level[T]) changed(ctx context.Context, id string) {
	e, ok := l.local.GetIfPresent(id)
	if !ok {
		return
	}
	l.c.stats.Refreshes.Add(1)
	rctx := context.WithoutCancel(ctx)
	l.c.cfg.executor(func() { l.refresh(rctx, id, e) })
}
