package push

import (
	"context"
	"sync"
)

// confirmBatcher carries this node's clients' confirms to their queues'
// owners: whatever arrives while a call is running goes out in the next one,
// one call per owner covering every queue. Idle, a confirm goes out at once;
// busy, thousands of queues' confirms share one store commit (or one RPC)
// instead of a call, a worker and a commit request each.
type confirmBatcher struct {
	hub *hub

	mu      sync.Mutex
	pending []pendingConfirm
	spare   []pendingConfirm // the previous batch's storage, reused
	running bool
}

type pendingConfirm struct {
	src   source
	queue string
	id    int64
}

// add queues a confirm of id in queue for src; it never blocks.
func (b *confirmBatcher) add(src source, queue string, id int64) {
	b.mu.Lock()
	b.pending = append(b.pending, pendingConfirm{src, queue, id})
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		b.hub.pool.Go(b.run)
	}
}

func (b *confirmBatcher) run() {
	for {
		b.mu.Lock()
		batch := b.pending
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.pending = b.spare[:0]
		b.mu.Unlock()
		b.send(batch)
		clear(batch)
		b.mu.Lock()
		b.spare = batch
		b.mu.Unlock()
	}
}

// send makes one call per source, concurrently when there are several (a
// slow peer must not hold up the local owner's confirms).
func (b *confirmBatcher) send(batch []pendingConfirm) {
	bySource := map[source][]IDsArgs{}
	at := map[pendingKey]int{} // item index of (source, queue)
	for _, c := range batch {
		k := pendingKey{c.src, c.queue}
		i, ok := at[k]
		if !ok {
			i = len(bySource[c.src])
			at[k] = i
			bySource[c.src] = append(bySource[c.src], IDsArgs{Queue: c.queue})
		}
		items := bySource[c.src]
		items[i].IDs = append(items[i].IDs, c.id)
	}
	if len(bySource) == 1 {
		for src, items := range bySource {
			b.call(src, items)
		}
		return
	}
	var wg sync.WaitGroup
	for src, items := range bySource {
		wg.Go(func() { b.call(src, items) })
	}
	wg.Wait()
}

type pendingKey struct {
	src   source
	queue string
}

func (b *confirmBatcher) call(src source, items []IDsArgs) {
	n, err := src.ConfirmMany(context.Background(), items)
	if err != nil {
		// Not confirmed: the owner redelivers them, the client dedupes.
		b.hub.stats.ConfirmErrors.Add(1)
		b.hub.log.Warn("push: confirm", "queues", len(items), "err", err)
	}
	b.hub.stats.Confirmed.Add(int64(n))
}
