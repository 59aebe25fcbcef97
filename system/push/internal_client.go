package push

import (
	"context"
	"sync"
	"time"
)

// peerClient calls other nodes over RPC (see rpc.go).
type peerClient struct {
	cluster *cluster
	rpc     rpcClients

	mu    sync.Mutex
	batch map[string]*peerBatchers
}

func newPeerClient(c *cluster) *peerClient { return &peerClient{cluster: c} }

// remoteSource leases from the queue's owner on another node.
type remoteSource struct {
	p     *peerClient
	owner string
}

// Lease without a wait shares a call with other queues' leases to the same
// owner; a long poll (wait > 0) is a call of its own.
func (s remoteSource) Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error) {
	args := LeaseArgs{Queue: queue, Max: max, WaitMs: wait.Milliseconds()}
	if wait > 0 {
		r, err := s.p.invoke(ctx, s.owner, "Lease", &args)
		return r.Messages, err
	}
	r, err := s.p.batchers(s.owner).lease.do(ctx, args)
	return r.Messages, replyErr(r, err)
}

// ConfirmMany is one call to the owner; the hub's confirm batcher already
// gathers every queue's confirms for it.
func (s remoteSource) ConfirmMany(ctx context.Context, items []IDsArgs) (int, error) {
	r, err := s.p.invoke(ctx, s.owner, "ConfirmMany", &ConfirmManyArgs{Items: items})
	return r.N, err
}

func replyErr(r RPCReply, err error) error {
	if err != nil {
		return err
	}
	if r.Err != nil {
		return r.Err
	}
	return nil
}

func (s remoteSource) Release(ctx context.Context, queue string, ids []int64) error {
	_, err := s.p.invoke(ctx, s.owner, "Release", &IDsArgs{Queue: queue, IDs: ids})
	return err
}
