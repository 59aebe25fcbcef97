//go:build linux

package tmcclient

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"github.com/toplab/toplab/system/tmc"
)

// smallReceiveBuffer dials with a small kernel receive buffer (set before
// connect, so the window is negotiated small), so a client that stops
// reading holds only a few frames in the kernel. Each dialled connection is
// sent on conns.
func smallReceiveBuffer(bytes int, conns chan<- net.Conn) func(*Config) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, bytes)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return func(cfg *Config) {
		cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if err == nil {
				conns <- conn
			}
			return conn, err
		}
	}
}

// queuedBytes returns the bytes in a TCP socket's kernel queue: req
// TIOCOUTQ for those not yet sent or acknowledged, TIOCINQ for those
// received and not yet read by the application.
func queuedBytes(t *testing.T, conn net.Conn, req uintptr) int {
	t.Helper()
	rc, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(unsafe.Pointer(&n)))
	}); err != nil {
		t.Fatal(err)
	}
	if errno != 0 {
		t.Fatalf("ioctl %#x: %v", req, errno)
	}
	return int(n)
}

func TestFullQueueStopsReadingWithoutLosingMessages(t *testing.T) {
	const (
		total     = 64
		queueSize = 2
		held      = queueSize + 2 // in the queue, in the handler, in the reader's hand
		content   = 32 << 10      // 64 frames of 32 KiB: 2 MiB, far more than the buffers below hold
		buffers   = 8 << 10
		inBuffers = 4 // frames the kernel and library buffers can hold: (2x8 KiB send + 2x8 KiB receive + 4 KiB bufio) / 32 KiB, rounded up generously
	)
	p := newPeer(t, withSendBuffer(buffers))
	gate := make(chan struct{})
	clientConns := make(chan net.Conn, 1)
	var mu sync.Mutex
	var handled []int64
	c := newTestClient(t, p, func(ctx context.Context, m *tmc.Message) error {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		handled = append(handled, m.ID)
		mu.Unlock()
		return nil
	}, smallReceiveBuffer(buffers, clientConns), func(cfg *Config) { cfg.QueueSize = queueSize })
	start(t, c)
	pc := p.next(t)
	clientConn := <-clientConns

	var written atomic.Int64
	sendErr := make(chan error, 1)
	go func() {
		body := strings.Repeat("x", content)
		for id := int64(1); id <= total; id++ {
			m := msg(id)
			m.Content = body
			if err := pc.send(m); err != nil {
				sendErr <- err
				return
			}
			written.Add(1)
		}
		sendErr <- nil
	}()

	// The worker holds one message, the queue two more, and the reader waits
	// with a fourth: it has stopped reading the socket. The server sees it:
	// the client's kernel receive queue fills, then the server's send queue,
	// and its writes block. (On loopback both queues drain at once while the
	// client reads, so a client that kept reading does not stay in this
	// state with only four messages read.)
	eventually(t, "reader stalled, both kernel queues full", func() bool {
		s := c.Stats()
		return s.ReadStalls >= 1 && s.Received == held && s.Queued == held &&
			queuedBytes(t, clientConn, syscall.TIOCINQ) >= buffers/2 &&
			queuedBytes(t, pc.ws.NetConn(), syscall.TIOCOUTQ) >= buffers/2
	})
	// What the server managed to write fits in what the client holds plus
	// the small buffers: nothing was absorbed by a growing client.
	if w := written.Load(); w > held+inBuffers {
		t.Fatalf("server wrote %d frames while the client held %d: the client kept reading", w, held)
	}
	if s := c.Stats(); s.Received != held {
		t.Fatalf("client read %d messages with room for %d", s.Received, held)
	}

	close(gate)
	if err := <-sendErr; err != nil {
		t.Fatalf("server send: %v", err)
	}
	confirmed := make([]int64, 0, total)
	for range total {
		confirmed = append(confirmed, pc.nextConfirm(t))
	}
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(confirmed, want) {
		t.Errorf("confirmed %v, want 1..%d in order", confirmed, total)
	}
	mu.Lock()
	if !slices.Equal(handled, want) {
		t.Errorf("handled %v, want 1..%d once each in order", handled, total)
	}
	mu.Unlock()
	if s := c.Stats(); s.Received != total || s.Handled != total || s.Duplicates != 0 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
}
