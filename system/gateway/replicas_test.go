package gateway_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/top"
)

// A backend with replicas spreads calls over all of them; a stalled replica
// gets fewer; a replica that refuses connections costs no call.
func TestBackendReplicas(t *testing.T) {
	second, third := newEchoBackend(t), newEchoBackend(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close() // nothing listens there: connections are refused
	e := newEnv(t, func(c *gateway.Config) {
		c.Backends["echo"] = gateway.BackendConfig{URL: c.Backends["echo"].URL, Replicas: []string{second.srv.URL, deadURL, third.srv.URL}}
	})
	call := demo(map[string]string{"method": "toplab.test.echo"})
	for i := range 60 {
		if r := e.post(call); r.Err != nil {
			t.Fatalf("call %d: %v (a refused replica must not fail the call)", i, r.Err)
		}
	}
	counts := []int{e.backend.count(), second.count(), third.count()}
	if counts[0]+counts[1]+counts[2] != 60 {
		t.Fatalf("replicas saw %v calls, want 60 in all", counts)
	}
	for i, n := range counts {
		if n < 10 {
			t.Fatalf("replica %d saw %d of 60 calls (%v): not spread", i, n, counts)
		}
	}

	// While the first replica stalls every call, concurrent calls go
	// mostly to the others: two choices see its calls in flight.
	e.backend.delay.Store(int64(300 * time.Millisecond))
	before := counts
	done := make(chan *top.Error, 40)
	for range 40 {
		go func() { done <- e.post(call).Err }()
		time.Sleep(5 * time.Millisecond)
	}
	for range 40 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	slow := e.backend.count() - before[0]
	fast := second.count() - before[1] + third.count() - before[2]
	if slow+fast != 40 || slow*3 > fast {
		t.Fatalf("stalled replica took %d of 40 calls, the others %d: want it to get under a quarter", slow, fast)
	}
}

func TestBackendReplicaWithAnotherPathIsRefused(t *testing.T) {
	var cfg gateway.Config
	newEnv(t, func(c *gateway.Config) { cfg = *c })
	cfg.Backends = map[string]gateway.BackendConfig{"echo": {URL: "http://127.0.0.1:1/a", Replicas: []string{"http://127.0.0.1:2/b"}}}
	_, err := gateway.New(cfg)
	if err == nil || !strings.Contains(err.Error(), "another path") {
		t.Fatalf("replicas with different paths: %v, want an error naming the path", err)
	}
}
