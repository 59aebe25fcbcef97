package testenv

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
)

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago. It
// picks below the kernel's ephemeral range: a port from that range (what
// binding port 0 gives) can be taken as the source port of any outgoing
// connection between the pick and the node's bind, which happens on busy
// machines ("address already in use" at start-up after a 100k-connection
// benchmark). Ports are not handed out twice by one process.
func FreePort() (int, error) {
	lo, hi := portRange()
	for range 200 {
		if lo >= hi {
			break
		}
		p := lo + rand.IntN(hi-lo)
		if !claimPort(p) {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue // in use: stays claimed, so it is not tried again
		}
		l.Close()
		return p, nil
	}
	// No room below the ephemeral range: let the kernel choose.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	p := l.Addr().(*net.TCPAddr).Port
	claimPort(p)
	return p, nil
}

var (
	portsMu sync.Mutex
	claimed = map[int]bool{}
)

func claimPort(p int) bool {
	portsMu.Lock()
	defer portsMu.Unlock()
	if claimed[p] {
		return false
	}
	claimed[p] = true
	return true
}

// portRange is pickRange, read once.
var portRange = sync.OnceValues(pickRange)

// pickRange is [10000, the first ephemeral port), or empty when the
// ephemeral range starts too low to leave room.
func pickRange() (lo, hi int) {
	first := 32768 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var a, z int
		if n, _ := fmt.Sscanf(string(b), "%d %d", &a, &z); n == 2 {
			first = a
		}
	}
	return 10000, first
}
