package swarm

import (
	"github.com/lesismal/nbio"

	"github.com/toplab/toplab/system/push/nbioguard"
)

// clientConn is the state of an open connection held by the poller: its
// index and, only while a frame is partly received, the bytes so far.
type clientConn struct {
	i       int32
	pending []byte
}

// onData parses what arrived: data messages are counted, pings answered,
// a close frame answered and the connection closed. It runs on a poller.
func (s *Swarm) onData(c *nbio.Conn, data []byte) {
	s.handoff.Load() // see Swarm.handoff
	if nbioguard.Warmed(c) {
		return
	}
	cc, ok := c.Session().(*clientConn)
	if !ok {
		_ = c.Close()
		return
	}
	in := data
	if cc.pending != nil {
		cc.pending = append(cc.pending, data...)
		in = cc.pending
	}
	for {
		f, n, err := parseFrame(in, s.cfg.MaxFrameBytes)
		if err != nil {
			_ = c.CloseWithError(err)
			return
		}
		if n == 0 {
			break
		}
		switch f.op {
		case opText, opBinary, opContinuation:
			if f.fin {
				s.frames.Add(1)
			}
		case opPing:
			_, _ = c.Write(appendFrame(nil, opPong, f.payload))
		case opClose:
			code, _ := closeCode(f.payload)
			if code == 1005 {
				_, _ = c.Write(appendFrame(nil, opClose, nil))
			} else {
				_, _ = c.Write(appendFrame(nil, opClose, closePayload(code, "")))
			}
			_ = c.Close()
			return
		}
		in = in[n:]
	}
	switch {
	case len(in) == 0:
		cc.pending = nil // idle again: hold no buffer
	case cc.pending == nil:
		cc.pending = append([]byte(nil), in...) // data is the poller's buffer: copy
	default:
		cc.pending = append(cc.pending[:0], in...)
	}
}

// onClose counts a connection gone, whoever closed it.
func (s *Swarm) onClose(c *nbio.Conn, _ error) {
	s.handoff.Load()
	if _, ok := c.Session().(*clientConn); !ok {
		return
	}
	if s.alive.Add(-1) == 0 && s.closing.Load() {
		s.allClosed()
	}
}
