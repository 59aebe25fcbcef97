package push

import (
	"context"
	"time"
)

// peerClient calls other nodes over RPC (see rpc.go).
type peerClient struct {
	cluster *cluster
	rpc     rpcClients
}

func newPeerClient(c *cluster) *peerClient { return &peerClient{cluster: c} }

// remoteSource leases from the queue's owner on another node.
type remoteSource struct {
	p     *peerClient
	owner string
}

func (s remoteSource) Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error) {
	r, err := s.p.invoke(ctx, s.owner, "Lease", &LeaseArgs{Queue: queue, Max: max, WaitMs: wait.Milliseconds()})
	return r.Messages, err
}

func (s remoteSource) Confirm(ctx context.Context, queue string, ids []int64) (int, error) {
	r, err := s.p.invoke(ctx, s.owner, "Confirm", &IDsArgs{Queue: queue, IDs: ids})
	return r.N, err
}

func (s remoteSource) Release(ctx context.Context, queue string, ids []int64) error {
	_, err := s.p.invoke(ctx, s.owner, "Release", &IDsArgs{Queue: queue, IDs: ids})
	return err
}
