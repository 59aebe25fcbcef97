package swarm

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		n       int
		op      byte
		payload string
		err     error
	}{
		{"short", []byte{0x82}, 0, 0, "", nil},
		{"binary", []byte{0x82, 3, 'a', 'b', 'c', 'x'}, 5, opBinary, "abc", nil},
		{"partial payload", []byte{0x82, 3, 'a'}, 0, 0, "", nil},
		{"16-bit length", append([]byte{0x82, 126, 0, 200}, make([]byte, 200)...), 204, opBinary, string(make([]byte, 200)), nil},
		{"16-bit length partial", []byte{0x82, 126, 0}, 0, 0, "", nil},
		{"64-bit length too large", []byte{0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0}, 0, 0, "", errFrameTooLarge},
		{"masked", []byte{0x89, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, 8, opPing, "hi", nil},
		{"reserved bits", []byte{0xc2, 0}, 0, 0, "", errBadFrame},
		{"unknown opcode", []byte{0x83, 0}, 0, 0, "", errBadFrame},
		{"fragmented ping", []byte{0x09, 0}, 0, 0, "", errBadFrame},
		{"long ping", []byte{0x89, 126, 0, 200}, 0, 0, "", errBadFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, n, err := parseFrame(bytes.Clone(tt.in), 1024)
			if !errors.Is(err, tt.err) || n != tt.n {
				t.Fatalf("n %d err %v, want %d %v", n, err, tt.n, tt.err)
			}
			if n > 0 && (f.op != tt.op || string(f.payload) != tt.payload) {
				t.Fatalf("op %#x payload %q", f.op, f.payload)
			}
		})
	}
}

// A frame the client writes, unmasked by a server, gives back the payload.
func TestAppendFrameRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 125, 126, 65535, 65536, 70000} {
		payload := bytes.Repeat([]byte{0xa5}, size)
		b := appendFrame(nil, opBinary, payload)
		if b[1]&0x80 == 0 {
			t.Fatal("client frame not masked")
		}
		f, n, err := parseFrame(b, 1<<20)
		if err != nil || n != len(b) || !f.fin || f.op != opBinary || !bytes.Equal(f.payload, payload) {
			t.Fatalf("size %d: n %d err %v", size, n, err)
		}
	}
}

func TestCheckUpgrade(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	const accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
	tests := []struct {
		name, head, rest string
		err              error
		code             int
	}{
		{"ok", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nsec-websocket-accept: " + accept + "\r\n", "\x82\x00", nil, 0},
		{"wrong accept", "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: xxx\r\n", "", ErrHandshake, 0},
		{"no accept", "HTTP/1.1 101 Switching Protocols\r\n", "", ErrHandshake, 0},
		{"saturated", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n", "node saturated\n", ErrHandshake, 503},
		{"garbage", "SSH-2.0-OpenSSH\r\n", "", ErrHandshake, 0},
		{"bad code", "HTTP/1.1 abc\r\n", "", ErrHandshake, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest, err := checkUpgrade([]byte(tt.head), []byte(tt.rest), key)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			var se *StatusError
			if tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code || se.Body != "node saturated") {
				t.Fatalf("err %v, want status %d", err, tt.code)
			}
			if err == nil && string(rest) != tt.rest {
				t.Fatalf("rest %q", rest)
			}
		})
	}
}

// Parsing never panics, never takes more than it was given, and a frame it
// accepts re-encodes (masked, as a client) to a frame with the same payload.
func FuzzParseFrame(f *testing.F) {
	f.Add([]byte{0x82, 3, 'a', 'b', 'c'})
	f.Add([]byte{0x89, 0x82, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Add([]byte{0x88, 2, 3, 0xe8})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := parseFrame(bytes.Clone(b), 4096)
		if err != nil || n == 0 {
			return
		}
		if n > len(b) || len(fr.payload) > 4096 {
			t.Fatalf("took %d of %d bytes, payload %d", n, len(b), len(fr.payload))
		}
		again, m, err := parseFrame(appendFrame(nil, fr.op, fr.payload), 4096)
		if err != nil || m == 0 || !bytes.Equal(again.payload, fr.payload) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// Response heads from the network never panic the check.
func FuzzCheckUpgrade(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), []byte{})
	f.Add([]byte("HTTP/1.1 503 x\r\n"), []byte("node saturated\n"))
	f.Fuzz(func(t *testing.T, head, rest []byte) {
		_, _ = checkUpgrade(head, rest, "dGhlIHNhbXBsZSBub25jZQ==")
	})
}
