package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/toplab/toplab/system/backend"
)

// BackendConfig is one backend route.
type BackendConfig struct {
	URL string // base URL, e.g. http://127.0.0.1:8801
	// Replicas are further base URLs of nodes serving the same APIs (same
	// path as URL). Each call goes to the less busy of two replicas taken
	// in turn, and a call a replica refused to connect moves on to the next.
	Replicas []string
	// MaxConcurrent bounds the calls in flight to this backend, all replicas
	// together (default 512): beyond it a call fails at once with code 10
	// instead of queueing, so a slow backend cannot tie up the gateway.
	MaxConcurrent int
	// Dial replaces the TCP dialer, e.g. with an in-memory listener in
	// benchmarks of the pipeline alone.
	Dial func(addr string) (net.Conn, error)
}

// maxResponse bounds a backend's answer.
const maxResponse = 4 << 20

// backendPool is a keep-alive pool to one backend service. It uses
// fasthttp's client: net/http's transport runs two goroutines per connection
// and hands every call between them, which cost a quarter of the gateway's
// CPU in profiles of the end-to-end benchmark.
type backendPool struct {
	name     string
	prefix   string // path prefix of the base URLs
	replicas []*replica
	turn     atomic.Uint64
	slots    chan struct{}
	inflight prometheus.Gauge
}

// replica is one node of a backend.
type replica struct {
	host     string
	client   *fasthttp.HostClient
	inflight atomic.Int64
}

func newBackend(name string, cfg BackendConfig, m *metrics) (*backendPool, error) {
	n := cfg.MaxConcurrent
	if n <= 0 {
		n = 512
	}
	b := &backendPool{name: name, slots: make(chan struct{}, n), inflight: m.backendInflight.WithLabelValues(name)}
	for i, raw := range append([]string{cfg.URL}, cfg.Replicas...) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("gateway: backend %s: bad url %q", name, raw)
		}
		prefix := strings.TrimRight(u.Path, "/") + backend.APIPathPrefix
		if i == 0 {
			b.prefix = prefix
		} else if prefix != b.prefix {
			return nil, fmt.Errorf("gateway: backend %s: replica %q has another path than %q", name, raw, cfg.URL)
		}
		b.replicas = append(b.replicas, &replica{host: u.Host, client: newHostClient(u, n, cfg.Dial)})
	}
	return b, nil
}

func newHostClient(u *url.URL, maxConns int, dial func(string) (net.Conn, error)) *fasthttp.HostClient {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if dial == nil {
		dial = func(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) }
	}
	return &fasthttp.HostClient{
		Addr:                          addr,
		Name:                          "toplab-gateway",
		IsTLS:                         u.Scheme == "https",
		MaxConns:                      maxConns,
		MaxIdleConnDuration:           90 * time.Second,
		ReadTimeout:                   time.Minute, // per-call deadlines come from the API's timeout
		WriteTimeout:                  10 * time.Second,
		DisableHeaderNamesNormalizing: true,
		MaxResponseBodySize:           maxResponse,
		Dial:                          dial,
	}
}

// do sends req to a replica: the less busy of the next two in turn (two
// choices keep a slow replica from collecting a queue while round robin
// alone would not notice). A replica that refused the connection did not
// see the call, so the call moves on to the next replica, each tried once.
func (b *backendPool) do(req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time) error {
	k := len(b.replicas)
	first := 0
	if k > 1 {
		i := int(b.turn.Add(1) % uint64(k))
		j := (i + 1) % k
		first = i
		if b.replicas[j].inflight.Load() < b.replicas[i].inflight.Load() {
			first = j
		}
	}
	var err error
	for try := range k {
		r := b.replicas[(first+try)%k]
		req.Header.SetHost(r.host)
		r.inflight.Add(1)
		err = r.client.DoDeadline(req, resp, deadline)
		r.inflight.Add(-1)
		if !refused(err) || time.Now().After(deadline) {
			return err
		}
	}
	return err
}

// refused reports a failure to connect: the request was never sent.
func refused(err error) bool {
	var op *net.OpError
	return err != nil && errors.As(err, &op) && op.Op == "dial"
}
