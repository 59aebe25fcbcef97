package socket_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/push/socket"
)

var (
	fuzzOnce   sync.Once
	fuzzServer *socket.Server
)

// fuzzTarget is one live server shared by every fuzz input, as a real node
// sees every client: it echoes frames, so reads and writes both happen.
func fuzzTarget(f *testing.F) *socket.Server {
	fuzzOnce.Do(func() {
		rec := newRecorder()
		rec.echo = true
		s, err := socket.Listen(socket.Config{Addr: "127.0.0.1:0", MaxFrameBytes: 4096, MaxQueuedBytes: 64 << 10}, rec)
		if err != nil {
			f.Fatal(err)
		}
		fuzzServer = s
	})
	return fuzzServer
}

// Raw bytes, after a valid upgrade request or instead of one, never panic
// the server, and it keeps serving a well-behaved client afterwards.
func FuzzServerInput(f *testing.F) {
	s := fuzzTarget(f)
	host := s.Addr().String()
	connect := maskedFrame(2, connectFrame(f, 1))
	f.Add(true, connect)
	f.Add(true, append(bytes.Clone(connect), connect...))
	f.Add(true, maskedFrame(1, []byte("text")))
	f.Add(true, maskedFrame(9, []byte("ping")))
	f.Add(true, maskedFrame(8, []byte{0x03, 0xe8}))
	f.Add(true, maskedFrame(2, []byte{2, 0, 1, 0}))
	f.Add(true, maskedFrame(2, make([]byte, 5000)))
	f.Add(true, []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(true, []byte{0x02, 0x83, 0, 0, 0, 0, 2, 0, 0, 0x80, 0x83, 0, 0, 0, 0, 0, 0, 0})
	f.Add(true, []byte{0x82, 0x04, 2, 0, 0, 0}) // unmasked
	f.Add(false, []byte(upgradeRequest(host)))
	f.Add(false, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add(false, []byte("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	f.Add(false, []byte("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nxx"))
	f.Add(false, []byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"))
	f.Fuzz(func(t *testing.T, upgrade bool, data []byte) {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if upgrade {
			data = append([]byte(upgradeRequest(host)), data...)
		}
		_, _ = c.Write(data)
		_ = c.(*net.TCPConn).CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, c) // until the server closes
		panics.check(t)
		healthy(t, s)
	})
}

// healthy does one CONNECT round trip with a well-behaved client.
func healthy(t *testing.T, s *socket.Server) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(wsURL(s), nil)
	if err != nil {
		t.Fatalf("server stopped serving: %v", err)
	}
	defer ws.Close()
	want := connectFrame(t, 2)
	if err := ws.WriteMessage(websocket.BinaryMessage, want); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, got, err := ws.ReadMessage(); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("echo: %v %x", err, got)
	}
}
