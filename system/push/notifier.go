package push

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// notifier tells other nodes that queues they hold have messages: one
// sender per peer, coalescing whatever queued up while it was sending, so a
// burst costs a few calls, not one per message.
type notifier struct {
	p   *peerClient
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]map[string]bool // node -> queues
	sending map[string]bool

	Sent, Failed atomic.Int64
}

func newNotifier(p *peerClient, log *slog.Logger) *notifier {
	return &notifier{p: p, log: log, pending: map[string]map[string]bool{}, sending: map[string]bool{}}
}

func (n *notifier) enqueue(node, queue string) {
	n.mu.Lock()
	if n.pending[node] == nil {
		n.pending[node] = map[string]bool{}
	}
	n.pending[node][queue] = true
	start := !n.sending[node]
	n.sending[node] = true
	n.mu.Unlock()
	if start {
		go n.send(node)
	}
}

func (n *notifier) send(node string) {
	for {
		n.mu.Lock()
		qs := n.pending[node]
		delete(n.pending, node)
		if len(qs) == 0 {
			n.sending[node] = false
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()
		req := NotifyArgs{Queues: make([]string, 0, len(qs))}
		for q := range qs {
			req.Queues = append(req.Queues, q)
		}
		if _, err := n.p.invoke(context.Background(), node, "Notify", &req); err != nil {
			// The holder's periodic sweep and compensating pulls catch up.
			n.Failed.Add(1)
			n.log.Debug("push: notify", "node", node, "err", err)
			continue
		}
		n.Sent.Add(1)
	}
}
