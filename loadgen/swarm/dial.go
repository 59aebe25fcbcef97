package swarm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// target is the parsed URL: where to connect and what to ask for.
type target struct {
	hostport string
	reqHead  string // request line and Host header
}

func parseTarget(raw string) (target, error) {
	rest, ok := cutPrefixFold(raw, "ws://")
	if !ok {
		return target{}, fmt.Errorf("swarm: url %q: want ws://host:port/path", raw)
	}
	host, path := rest, "/"
	if i := bytes.IndexByte([]byte(rest), '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		return target{}, fmt.Errorf("swarm: url %q: %w", raw, err)
	}
	return target{hostport: host, reqHead: "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"}, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !bytes.EqualFold([]byte(s[:len(prefix)]), []byte(prefix)) {
		return s, false
	}
	return s[len(prefix):], true
}

// dialer does the blocking part of opening connections; one per worker, so
// its buffer is per worker, never per connection.
type dialer struct {
	cfg *Config
	tgt target
	buf []byte
}

// opened is a connection past its upgrade (and first reply), with any bytes
// already read beyond them.
type opened struct {
	conn *net.TCPConn
	rest []byte
}

// open connects connection i, upgrades it and, if configured, exchanges the
// first frame, all within the dial timeout.
func (d *dialer) open(ctx context.Context, i int) (opened, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
	defer cancel()
	nd := net.Dialer{Control: bindNoPort}
	if n := len(d.cfg.SourceIPs); n > 0 {
		nd.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(d.cfg.SourceIPs[i%n], 0))
	}
	c, err := nd.DialContext(ctx, "tcp", d.tgt.hostport)
	if err != nil {
		return opened{}, fmt.Errorf("%w: %w", ErrDial, err)
	}
	tc := c.(*net.TCPConn)
	deadline, _ := ctx.Deadline()
	_ = tc.SetDeadline(deadline)
	rest, err := d.upgrade(tc)
	if err == nil && d.cfg.FirstFrame != nil {
		rest, err = d.firstExchange(tc, i, rest)
	}
	if err != nil {
		_ = tc.Close()
		return opened{}, err
	}
	_ = tc.SetDeadline(time.Time{})
	return opened{conn: tc, rest: rest}, nil
}

// bindNoPort lets a socket bound to a source IP pick its port at connect
// time, per destination, instead of at bind time from the whole range.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

var acceptGUID = []byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11")

// upgrade sends the upgrade request and reads the response head; it
// returns the bytes read past the head.
func (d *dialer) upgrade(c *net.TCPConn) ([]byte, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := d.buf[:0]
	req = append(req, d.tgt.reqHead...)
	req = append(req, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "...)
	req = append(req, key...)
	req = append(req, "\r\n\r\n"...)
	if _, err := c.Write(req); err != nil {
		return nil, fmt.Errorf("%w: write request: %w", ErrHandshake, err)
	}
	n := 0
	for {
		m, err := c.Read(d.buf[n:])
		n += m
		if end := bytes.Index(d.buf[:n], []byte("\r\n\r\n")); end >= 0 {
			return checkUpgrade(d.buf[:end+2], d.buf[end+4:n], key)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read response: %w", ErrHandshake, err)
		}
		if n == len(d.buf) {
			return nil, fmt.Errorf("%w: response head over %d bytes", ErrHandshake, len(d.buf))
		}
	}
}

// checkUpgrade checks a response head (status line and headers, each line
// ending in CRLF) against the key sent; rest is what followed the head.
func checkUpgrade(head, rest []byte, key string) ([]byte, error) {
	line, headers, _ := bytes.Cut(head, []byte("\r\n"))
	f := bytes.Fields(line)
	if len(f) < 2 || !bytes.HasPrefix(f[0], []byte("HTTP/1.")) {
		return nil, fmt.Errorf("%w: status line %q", ErrHandshake, cut(line, 80))
	}
	code, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return nil, fmt.Errorf("%w: status line %q", ErrHandshake, cut(line, 80))
	}
	if code != 101 {
		return nil, &StatusError{Code: code, Body: string(cut(bytes.TrimSpace(rest), 120))}
	}
	h := sha1.New()
	h.Write([]byte(key))
	h.Write(acceptGUID)
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if got, ok := header(headers, "Sec-WebSocket-Accept"); !ok || string(got) != want {
		return nil, fmt.Errorf("%w: Sec-WebSocket-Accept %q, want %q", ErrHandshake, got, want)
	}
	return bytes.Clone(rest), nil
}

// header finds a header's value in CRLF-separated lines, the name case-insensitively.
func header(lines []byte, name string) ([]byte, bool) {
	for len(lines) > 0 {
		var line []byte
		line, lines, _ = bytes.Cut(lines, []byte("\r\n"))
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			return bytes.TrimSpace(v), true
		}
	}
	return nil, false
}

func cut(b []byte, n int) []byte { return b[:min(len(b), n)] }

// firstExchange sends connection i's first frame and waits for one data
// message in reply, answering pings meanwhile.
func (d *dialer) firstExchange(c *net.TCPConn, i int, rest []byte) ([]byte, error) {
	if _, err := c.Write(appendFrame(d.buf[:0], opBinary, d.cfg.FirstFrame(i))); err != nil {
		return nil, fmt.Errorf("%w: write first frame: %w", ErrReply, err)
	}
	in := rest
	for {
		f, n, err := parseFrame(in, d.cfg.MaxFrameBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrReply, err)
		}
		if n == 0 {
			if in, err = readMore(c, in); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrReply, err)
			}
			continue
		}
		switch f.op {
		case opPing:
			if _, err := c.Write(appendFrame(nil, opPong, f.payload)); err != nil {
				return nil, fmt.Errorf("%w: write pong: %w", ErrReply, err)
			}
		case opClose:
			code, reason := closeCode(f.payload)
			return nil, fmt.Errorf("%w: closed with %d %q", ErrReply, code, reason)
		case opText, opBinary:
			if !f.fin {
				return nil, fmt.Errorf("%w: fragmented reply", ErrReply)
			}
			if d.cfg.CheckReply != nil {
				if err := d.cfg.CheckReply(i, f.payload); err != nil {
					return nil, fmt.Errorf("%w: %w", ErrReply, err)
				}
			}
			return bytes.Clone(in[n:]), nil
		}
		in = in[n:]
	}
}

// readMore appends what one read returns to in.
func readMore(c net.Conn, in []byte) ([]byte, error) {
	if cap(in)-len(in) < 4096 {
		in = append(make([]byte, 0, 2*cap(in)+4096), in...)
	}
	n, err := c.Read(in[len(in):cap(in)])
	in = in[:len(in)+n]
	if n > 0 {
		return in, nil
	}
	return in, err
}
