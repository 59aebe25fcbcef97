package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Segment header (little-endian, headerSize bytes):
//
//	0  magic "TLPSHSEG"
//	8  u32 format version (formatVersion)
//	12 u32 flags (0)
//	16 u64 segment sequence number (also in the file name)
//	24 i64 first id: the next id to assign when the segment was created
//	32 i64 creation time, Unix ms
//	40 u32 reserved (0)
//	44 u32 CRC-32C of bytes 0..44
const (
	segMagic      = "TLPSHSEG"
	formatVersion = 1
	headerSize    = 48
)

// Record framing: u32 body length, u32 CRC-32C of the body, body. A length of
// 0 is never written: it marks the zeroed, preallocated free space after the
// last record.
const frameSize = 8

// Record bodies start with a kind byte.
const (
	kindMessage byte = 1 // i64 id, i64 time ms, u8 queue length, queue, payload
	kindConfirm byte = 2 // u8 queue length, queue, i64 id...
)

const (
	messageFixed  = 1 + 8 + 8 + 1
	confirmFixed  = 1 + 1
	maxQueueBytes = 200
	// confirmChunk bounds the ids in one confirm record.
	confirmChunk = 4096
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type segHeader struct {
	seq       uint64
	firstID   int64
	createdMs int64
}

func appendHeader(b []byte, h segHeader) []byte {
	start := len(b)
	b = append(b, segMagic...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, h.seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.firstID))
	b = binary.LittleEndian.AppendUint64(b, uint64(h.createdMs))
	b = binary.LittleEndian.AppendUint32(b, 0)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

var errBadHeader = errors.New("bad segment header")

// decodeHeader checks magic, then version (so a newer format is refused with
// ErrFormatVersion rather than reported as corruption), then the checksum.
func decodeHeader(b []byte) (segHeader, error) {
	if len(b) < headerSize {
		return segHeader{}, fmt.Errorf("%w: %d bytes, want %d", errBadHeader, len(b), headerSize)
	}
	if string(b[:8]) != segMagic {
		return segHeader{}, fmt.Errorf("%w: bad magic %q", errBadHeader, b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != formatVersion {
		return segHeader{}, fmt.Errorf("%w %d (this build reads version %d)", ErrFormatVersion, v, formatVersion)
	}
	if got, want := crc32.Checksum(b[:44], castagnoli), binary.LittleEndian.Uint32(b[44:]); got != want {
		return segHeader{}, fmt.Errorf("%w: checksum %08x, want %08x", errBadHeader, got, want)
	}
	return segHeader{
		seq:       binary.LittleEndian.Uint64(b[16:]),
		firstID:   int64(binary.LittleEndian.Uint64(b[24:])),
		createdMs: int64(binary.LittleEndian.Uint64(b[32:])),
	}, nil
}

func messageSize(queue string, payload []byte) int {
	return frameSize + messageFixed + len(queue) + len(payload)
}

// appendMessage encodes a message record with id 0 and no checksum: the
// committer assigns the id and seals the record (sealMessage).
func appendMessage(b []byte, timeMs int64, queue string, payload []byte) []byte {
	body := messageFixed + len(queue) + len(payload)
	b = binary.LittleEndian.AppendUint32(b, uint32(body))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, kindMessage)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(timeMs))
	b = append(b, byte(len(queue)))
	b = append(b, queue...)
	return append(b, payload...)
}

// sealMessage sets the id of the message record at rec and computes its checksum.
func sealMessage(rec []byte, id int64) {
	binary.LittleEndian.PutUint64(rec[frameSize+1:], uint64(id))
	sealRecord(rec)
}

func sealRecord(rec []byte) {
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(rec[frameSize:], castagnoli))
}

// appendConfirms encodes sealed confirm records for ids, confirmChunk at a time.
func appendConfirms(b []byte, queue string, ids []int64) []byte {
	for len(ids) > 0 {
		n := min(len(ids), confirmChunk)
		start := len(b)
		b = binary.LittleEndian.AppendUint32(b, uint32(confirmFixed+len(queue)+8*n))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = append(b, kindConfirm, byte(len(queue)))
		b = append(b, queue...)
		for _, id := range ids[:n] {
			b = binary.LittleEndian.AppendUint64(b, uint64(id))
		}
		sealRecord(b[start:])
		ids = ids[n:]
	}
	return b
}

func confirmsSize(queue string, n int) int {
	full, rest := n/confirmChunk, n%confirmChunk
	size := full * (frameSize + confirmFixed + len(queue) + 8*confirmChunk)
	if rest > 0 {
		size += frameSize + confirmFixed + len(queue) + 8*rest
	}
	return size
}

// record is a decoded record; its slices alias the decoded bytes.
type record struct {
	kind    byte
	id      int64  // message
	timeMs  int64  // message
	queue   []byte // both kinds
	payload []byte // message
	ids     []byte // confirm: 8 bytes per id
}

func (r *record) confirmIDs() int { return len(r.ids) / 8 }

func (r *record) confirmID(i int) int64 {
	return int64(binary.LittleEndian.Uint64(r.ids[8*i:]))
}

var (
	errFreeSpace = errors.New("zero length: free space")
	errTruncated = errors.New("record runs past the end of the data")
	errChecksum  = errors.New("record checksum mismatch")
	errMalformed = errors.New("malformed record body")
)

// decodeRecord decodes the record at the start of b and returns it with its
// framed size. It never trusts a length before checking it against len(b).
func decodeRecord(b []byte) (record, int, error) {
	if len(b) < frameSize {
		if allZero(b) {
			return record{}, 0, errFreeSpace
		}
		return record{}, 0, errTruncated
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0 {
		return record{}, 0, errFreeSpace
	}
	if uint64(n) > uint64(len(b)-frameSize) {
		return record{}, 0, errTruncated
	}
	body := b[frameSize : frameSize+int(n)]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return record{}, 0, errChecksum
	}
	r, err := decodeBody(body)
	return r, frameSize + int(n), err
}

func decodeBody(body []byte) (record, error) {
	r := record{kind: body[0]}
	switch r.kind {
	case kindMessage:
		if len(body) < messageFixed {
			return r, errMalformed
		}
		r.id = int64(binary.LittleEndian.Uint64(body[1:]))
		r.timeMs = int64(binary.LittleEndian.Uint64(body[9:]))
		q := int(body[17])
		if q == 0 || len(body) < messageFixed+q {
			return r, errMalformed
		}
		r.queue = body[messageFixed : messageFixed+q]
		r.payload = body[messageFixed+q:]
	case kindConfirm:
		if len(body) < confirmFixed {
			return r, errMalformed
		}
		q := int(body[1])
		rest := len(body) - confirmFixed - q
		if q == 0 || rest <= 0 || rest%8 != 0 {
			return r, errMalformed
		}
		r.queue = body[confirmFixed : confirmFixed+q]
		r.ids = body[confirmFixed+q:]
	default:
		return r, errMalformed
	}
	return r, nil
}
