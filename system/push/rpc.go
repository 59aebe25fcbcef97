package push

import (
	"context"
	"errors"
	"net/rpc"
	"net/url"
	"sync"

	"github.com/toplab/toplab/system/top"
)

// Node-to-node calls travel over net/rpc (gob) on one connection per peer,
// upgraded from the internal HTTP port: concurrent calls are multiplexed and
// pipelined, where JSON over HTTP/1.1 paid a request's framing and often a
// connection per call (most of a node's CPU in the first end-to-end runs).
const rpcPath = "/internal/rpc"

// RPCReply is every call's answer: a count, leased messages, or an error
// in the TOP format (net/rpc would flatten it to a string).
type RPCReply struct {
	N        int
	Messages []Leased
	Err      *top.Error
}

// NodeRPC is the RPC service of a node.
type NodeRPC struct{ n *Node }

func reply(r *RPCReply, n int, err error) error {
	r.N = n
	if err != nil {
		var te *top.Error
		if !errors.As(err, &te) {
			te = top.Errorf(top.CodeServiceUnavailable, "isp.push-error", "%v", err)
		}
		r.Err = te
	}
	return nil
}

func (s *NodeRPC) Append(a *AppendArgs, r *RPCReply) error {
	n, err := s.n.opAppend(context.Background(), a)
	return reply(r, n, err)
}

func (s *NodeRPC) Lease(a *LeaseArgs, r *RPCReply) error {
	ms, err := s.n.opLease(context.Background(), a)
	r.Messages = ms
	return reply(r, len(ms), err)
}

// LeaseManyArgs and ConfirmManyArgs carry many queues' calls in one.
type (
	LeaseManyArgs   struct{ Items []LeaseArgs }
	ConfirmManyArgs struct{ Items []IDsArgs }
	ManyReply       struct{ Items []RPCReply } // LeaseMany's, in request order
)

func (s *NodeRPC) LeaseMany(a *LeaseManyArgs, r *ManyReply) error {
	r.Items = make([]RPCReply, len(a.Items))
	for i := range a.Items {
		it := a.Items[i]
		it.WaitMs = 0 // batched leases never wait: a waiting one would hold up the others
		_ = s.Lease(&it, &r.Items[i])
	}
	return nil
}

func (s *NodeRPC) ConfirmMany(a *ConfirmManyArgs, r *RPCReply) error {
	n, err := s.n.opConfirmMany(context.Background(), a.Items)
	return reply(r, n, err)
}

func (s *NodeRPC) Release(a *IDsArgs, r *RPCReply) error {
	return reply(r, 0, s.n.opRelease(a))
}

func (s *NodeRPC) Notify(a *NotifyArgs, r *RPCReply) error {
	s.n.opNotify(a)
	return nil
}

func (s *NodeRPC) Hold(a *HoldArgs, r *RPCReply) error {
	s.n.opHold(a)
	return nil
}

func (n *Node) rpcServer() *rpc.Server {
	srv := rpc.NewServer()
	if err := srv.RegisterName("Push", &NodeRPC{n}); err != nil {
		panic(err) // the method set is fixed: a failure is a programming error caught by every test
	}
	return srv
}

// rpcClients keeps one client per peer, redialled after a failure.
type rpcClients struct {
	mu      sync.Mutex
	clients map[string]*rpc.Client // by peer URL
}

func (c *rpcClients) get(base string) (*rpc.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.clients[base]; cl != nil {
		return cl, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	cl, err := rpc.DialHTTPPath("tcp", u.Host, rpcPath)
	if err != nil {
		return nil, err
	}
	if c.clients == nil {
		c.clients = map[string]*rpc.Client{}
	}
	c.clients[base] = cl
	return cl, nil
}

func (c *rpcClients) drop(base string, cl *rpc.Client) {
	c.mu.Lock()
	if c.clients[base] == cl {
		delete(c.clients, base)
	}
	c.mu.Unlock()
	cl.Close()
}

func (c *rpcClients) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, cl := range c.clients {
		cl.Close()
		delete(c.clients, k)
	}
}

// invoke calls method on node, honouring ctx.
func (p *peerClient) invoke(ctx context.Context, node, method string, args any) (RPCReply, error) {
	var r RPCReply
	err := p.invokeInto(ctx, node, method, args, &r)
	if err == nil && r.Err != nil {
		return r, r.Err
	}
	return r, err
}

var errShortBatch = errors.New("push: a batched call answered fewer items than it was sent")

// peerBatchers are one node's batched calls.
type peerBatchers struct {
	lease *callBatcher[any, RPCReply]
}

// batchers returns the batchers of calls to node.
func (p *peerClient) batchers(node string) *peerBatchers {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b := p.batch[node]; b != nil {
		return b
	}
	many := func(method string, wrap func([]any) any) func([]any) ([]RPCReply, error) {
		return func(reqs []any) ([]RPCReply, error) {
			var r ManyReply
			if err := p.invokeInto(context.Background(), node, method, wrap(reqs), &r); err != nil {
				return nil, err
			}
			return r.Items, nil
		}
	}
	b := &peerBatchers{
		lease: &callBatcher[any, RPCReply]{send: many("LeaseMany", func(reqs []any) any {
			a := &LeaseManyArgs{Items: make([]LeaseArgs, len(reqs))}
			for i, r := range reqs {
				a.Items[i] = r.(LeaseArgs)
			}
			return a
		})},
	}
	if p.batch == nil {
		p.batch = map[string]*peerBatchers{}
	}
	p.batch[node] = b
	return b
}

// invokeInto calls method on node with any reply type.
func (p *peerClient) invokeInto(ctx context.Context, node, method string, args, r any) error {
	info, err := p.cluster.peer(ctx, node)
	if err != nil {
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "%v", err)
	}
	cl, err := p.rpc.get(info.URL)
	if err != nil {
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "node %s: %v", node, err)
	}
	call := cl.Go("Push."+method, args, r, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if call.Error != nil {
		if errors.Is(call.Error, rpc.ErrShutdown) || !isServerError(call.Error) {
			p.rpc.drop(info.URL, cl) // the connection broke: redial next time
		}
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "node %s: %v", node, call.Error)
	}
	return nil
}

func isServerError(err error) bool {
	var se rpc.ServerError
	return errors.As(err, &se)
}
