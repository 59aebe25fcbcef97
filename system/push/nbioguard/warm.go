package nbioguard

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/lesismal/nbio"
)

// warmMark is the session of a connection that only proves a poller runs.
type warmMark chan struct{}

// WarmPollers returns once each of the engine's n pollers has handled a
// read event. An nbio poller clears its shutdown flag when its goroutine
// starts, so an engine stopped before that spins forever in Stop; after
// this, Stop is safe. Each poller gets one end of a socketpair (nbio picks
// the poller by descriptor) and one byte; onData must call warmed first.
func WarmPollers(g *nbio.Engine, n int) error {
	seen := make([]bool, n)
	left := n
	var hold []net.Conn // keep earlier pairs open so new descriptors differ
	defer func() {
		for _, c := range hold {
			_ = c.Close()
		}
	}()
	for try := 0; left > 0 && try < 16*n; try++ {
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("socketpair: %w", err)
		}
		ours, err := fileConn(fds[0])
		if err != nil {
			_ = syscall.Close(fds[1])
			return err
		}
		peer, err := fileConn(fds[1])
		if err != nil {
			_ = ours.Close()
			return err
		}
		hold = append(hold, peer)
		nc, err := nbio.NBConn(ours)
		if err != nil {
			return err
		}
		hold = append(hold, nc)
		i := nc.Hash() % n
		if seen[i] {
			continue
		}
		mark := make(warmMark)
		nc.SetSession(mark)
		if _, err := g.AddConn(nc); err != nil {
			return err
		}
		if _, err := peer.Write([]byte{0}); err != nil {
			return err
		}
		select {
		case <-mark:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("poller %d did not start", i)
		}
		seen[i] = true
		left--
	}
	if left > 0 {
		return fmt.Errorf("%d of %d pollers not reached", left, n)
	}
	return nil
}

// Warmed reports whether c is a warm-up connection, signalling it if so.
func Warmed(c *nbio.Conn) bool {
	m, ok := c.Session().(warmMark)
	if ok {
		select {
		case <-m:
		default:
			close(m)
		}
	}
	return ok
}

// fileConn wraps a descriptor as a net.Conn (which holds a duplicate).
func fileConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "warm")
	defer f.Close()
	return net.FileConn(f)
}
