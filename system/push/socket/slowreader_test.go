package socket_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// A client that never reads is closed as a slow reader once the server's
// unsent bytes for it pass MaxQueuedBytes, and the server's heap never
// holds much more than that for it, however much the handler tries to send.
func TestSlowReaderClosedWithBoundedMemory(t *testing.T) {
	const limit = 256 << 10
	conns := make(chan *socket.Conn, 1)
	rec := newRecorder()
	rec.onFrame = func(c *socket.Conn, _ *tmc.Frame) { conns <- c }
	s := listen(t, socket.Config{MaxQueuedBytes: limit}, rec)
	raw := rawUpgrade(t, s, 4096) // small receive buffer, and it never reads
	if _, err := raw.Write(maskedFrame(2, connectFrame(t, 1))); err != nil {
		t.Fatal(err)
	}
	c := <-conns

	m := tmc.Message{ID: 1, Topic: "taobao_trade_TradeCreate", Content: string(make([]byte, 16<<10)), Nick: "n"}
	frame := frameBytes(t, m.ToFrame())
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	const maxTries = (64 << 20) / (16 << 10) // 64 MiB: far past any kernel buffering
	var err error
	sent := 0
	for ; sent < maxTries; sent++ {
		if err = c.Send(frame); err != nil {
			break
		}
		if sent%32 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if !errors.Is(err, socket.ErrSlowReader) {
		t.Fatalf("after %d sends of %d bytes: %v, want ErrSlowReader", sent, len(frame), err)
	}
	if grew := int64(peak) - int64(base); grew > limit+4<<20 {
		t.Fatalf("heap grew by %d bytes for one slow reader (limit %d)", grew, limit)
	}
	if err := c.Send(frame); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("Send after the slow-reader close: %v", err)
	}
	eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
	if err := rec.closed(t)[c.ID()]; !errors.Is(err, socket.ErrSlowReader) {
		t.Fatalf("cause %v", err)
	}
	if st := s.Stats(); st.Closed[socket.ReasonSlowReader] != 1 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%d frames of %d bytes accepted before the close (kernel buffers plus %d queued)", sent, len(frame), limit)
}
