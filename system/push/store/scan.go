package store

import (
	"bytes"
	"encoding/binary"
)

// scanStop says why scanning a segment's records stopped.
type scanStop int

const (
	// stopClean: the end of the data, or zeroed free space up to the end.
	stopClean scanStop = iota
	// stopTorn: a bad record with nothing decodable after it: what an
	// interrupted write leaves at the tail of the active segment.
	stopTorn
	// stopCorrupt: a bad record followed by a good one: damage in the middle.
	stopCorrupt
)

type scanResult struct {
	end     int // offset just past the last good record
	dataEnd int // end of the damaged data: the file's end when the bad record runs past it, else past the last non-zero byte
	stop    scanStop
	records int
	err     error // why the bad record was bad
}

// scanRecords walks the records of data from start, calling fn for each good
// one in order, and classifies how the walk ended. It reads each byte a
// bounded number of times and never panics on arbitrary input.
func scanRecords(data []byte, start int, fn func(off int, r *record)) scanResult {
	off := start
	res := scanResult{}
	var r record // one variable for every record: fn's pointer must not cost an allocation each
	for off < len(data) {
		var n int
		var err error
		r, n, err = decodeRecord(data[off:])
		if err != nil {
			res.end = off
			res.err = err
			if err == errTruncated {
				res.dataEnd = len(data) // the file ends inside the record
			} else {
				res.dataEnd = max(off, lastNonZero(data)) // zeros after it are free space
			}
			switch {
			case res.dataEnd == off:
				res.stop = stopClean // free space, or nothing left
				res.err = nil
			case resyncs(data, off, err):
				res.stop = stopCorrupt
			default:
				res.stop = stopTorn
			}
			return res
		}
		fn(off, &r)
		res.records++
		off += n
	}
	res.end, res.dataEnd, res.stop = off, off, stopClean
	return res
}

// resyncs reports whether a good record follows the bad one at off, which
// tells damage in the middle (keep the file, report it) from a torn tail
// (nothing valid after it: cut it).
func resyncs(data []byte, off int, err error) bool {
	if err != errChecksum && err != errMalformed {
		return false // a zero or overlong length gives no place to resume
	}
	next := off + frameSize + int(binary.LittleEndian.Uint32(data[off:]))
	if next >= len(data) {
		return false
	}
	_, _, err = decodeRecord(data[next:])
	return err == nil
}

var zeroBlock [4096]byte

func allZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeroBlock))
		if !bytes.Equal(b[:n], zeroBlock[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// lastNonZero returns the offset just past the last non-zero byte of b (0
// when b is all zeros), skipping zeroed blocks a page at a time.
func lastNonZero(b []byte) int {
	end := len(b)
	for end > 0 {
		start := max(0, end-len(zeroBlock))
		if bytes.Equal(b[start:end], zeroBlock[:end-start]) {
			end = start
			continue
		}
		for i := end - 1; i >= start; i-- {
			if b[i] != 0 {
				return i + 1
			}
		}
	}
	return 0
}

// maxIDAfter follows the framing past the damaged record at off (when its
// length leads to good records) and returns the largest message id found
// there, so new ids never collide with ids stranded behind the damage.
func maxIDAfter(data []byte, off int) int64 {
	if off+frameSize > len(data) {
		return 0
	}
	var maxID int64
	next := off + frameSize + int(binary.LittleEndian.Uint32(data[off:]))
	for next < len(data) {
		r, size, err := decodeRecord(data[next:])
		if err != nil {
			break
		}
		if r.kind == kindMessage {
			maxID = max(maxID, r.id)
		}
		next += size
	}
	return maxID
}
