package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/toplab/toplab/system/top"
)

// peerClient calls other nodes' internal API.
type peerClient struct {
	cluster *cluster
	http    *http.Client
}

func newPeerClient(c *cluster) *peerClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return &peerClient{cluster: c, http: &http.Client{Transport: tr, Timeout: maxLeaseWait + 10*time.Second}}
}

// call posts req to node's path and decodes the answer into resp.
func (p *peerClient) call(ctx context.Context, node, path string, req, resp any) error {
	info, err := p.cluster.peer(ctx, node)
	if err != nil {
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "%v", err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, info.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := p.http.Do(hr)
	if err != nil {
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "node %s: %v", node, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxInternalBody))
	if err != nil {
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-down", "node %s: %v", node, err)
	}
	if res.StatusCode != http.StatusOK {
		var te top.Error
		if json.Unmarshal(b, &te) == nil && te.SubCode != "" {
			return &te
		}
		return top.Errorf(top.CodeServiceUnavailable, "isp.push-node-error", "node %s answered HTTP %d", node, res.StatusCode)
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(b, resp); err != nil {
		return fmt.Errorf("push: node %s: bad answer: %w", node, err)
	}
	return nil
}

// remoteSource leases from the queue's owner on another node.
type remoteSource struct {
	p     *peerClient
	owner string
}

func (s remoteSource) Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error) {
	var resp leaseResp
	err := s.p.call(ctx, s.owner, "/internal/lease", leaseReq{Queue: queue, Max: max, WaitMs: wait.Milliseconds()}, &resp)
	return resp.Messages, err
}

func (s remoteSource) Confirm(ctx context.Context, queue string, ids []int64) (int, error) {
	var resp struct {
		Confirmed int `json:"confirmed"`
	}
	err := s.p.call(ctx, s.owner, "/internal/confirm", idsReq{Queue: queue, IDs: ids}, &resp)
	return resp.Confirmed, err
}

func (s remoteSource) Release(ctx context.Context, queue string, ids []int64) error {
	return s.p.call(ctx, s.owner, "/internal/release", idsReq{Queue: queue, IDs: ids}, nil)
}
