package testenv

import (
	"net"
	"strconv"
	"testing"
)

// FreePort's ports are bindable, distinct, and outside the ephemeral range
// (so no outgoing connection can take one before the node binds it).
func TestFreePortAvoidsTheEphemeralRange(t *testing.T) {
	_, first := pickRange()
	seen := map[int]bool{}
	for range 50 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		if first > 10000 && p >= first {
			t.Fatalf("port %d is in the ephemeral range (from %d)", p, first)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d: %v", p, err)
		}
		l.Close()
	}
}
