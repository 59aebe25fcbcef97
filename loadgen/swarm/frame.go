package swarm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
)

// WebSocket opcodes (RFC 6455).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

var (
	errFrameTooLarge = errors.New("swarm: inbound frame over the size limit")
	errBadFrame      = errors.New("swarm: malformed websocket frame")
)

// frame is one parsed inbound frame; payload aliases the input.
type frame struct {
	fin     bool
	op      byte
	payload []byte
}

// parseFrame parses the first frame of b. It returns the number of bytes it
// took, 0 (and no error) when b holds only part of a frame. Server frames
// are unmasked; a masked one is unmasked in place.
func parseFrame(b []byte, maxPayload int) (frame, int, error) {
	if len(b) < 2 {
		return frame{}, 0, nil
	}
	f := frame{fin: b[0]&0x80 != 0, op: b[0] & 0x0f}
	if b[0]&0x70 != 0 {
		return frame{}, 0, fmt.Errorf("%w: reserved bits %#x", errBadFrame, b[0]&0x70)
	}
	switch f.op {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		if !f.fin || b[1]&0x7f > 125 {
			return frame{}, 0, fmt.Errorf("%w: control frame fragmented or over 125 bytes", errBadFrame)
		}
	default:
		return frame{}, 0, fmt.Errorf("%w: opcode %#x", errBadFrame, f.op)
	}
	masked := b[1]&0x80 != 0
	n, head := uint64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return frame{}, 0, nil
		}
		n, head = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return frame{}, 0, nil
		}
		n, head = binary.BigEndian.Uint64(b[2:]), 10
	}
	if n > uint64(maxPayload) {
		return frame{}, 0, fmt.Errorf("%w: %d bytes, limit %d", errFrameTooLarge, n, maxPayload)
	}
	var key []byte
	if masked {
		if len(b) < head+4 {
			return frame{}, 0, nil
		}
		key = b[head : head+4]
		head += 4
	}
	end := head + int(n)
	if len(b) < end {
		return frame{}, 0, nil
	}
	f.payload = b[head:end]
	if masked {
		for i := range f.payload {
			f.payload[i] ^= key[i&3]
		}
	}
	return f, end, nil
}

// appendFrame appends a client frame (fin, masked with a random key) to dst.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], rand.Uint32())
	dst = append(dst, key[:]...)
	at := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[at+i] ^= key[i&3]
	}
	return dst
}

// closePayload is a close frame's payload: the code and a reason.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// closeCode reads a close frame's payload: its code (1005 when absent) and reason.
func closeCode(p []byte) (int, string) {
	if len(p) < 2 {
		return 1005, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}
