package store

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	h := segHeader{seq: 42, firstID: 7<<48 + 1, createdMs: 1_790_000_000_000}
	b := appendHeader(nil, h)
	if len(b) != headerSize {
		t.Fatalf("header is %d bytes, want %d", len(b), headerSize)
	}
	got, err := decodeHeader(b)
	if err != nil || got != h {
		t.Fatalf("decodeHeader = %+v, %v; want %+v", got, err, h)
	}
	tests := []struct {
		name    string
		edit    func(b []byte) []byte
		wantErr error
	}{
		{"short", func(b []byte) []byte { return b[:headerSize-1] }, errBadHeader},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, errBadHeader},
		{"version 2", func(b []byte) []byte { b[8] = 2; sealHeader(b); return b }, ErrFormatVersion},
		{"version 0", func(b []byte) []byte { b[8] = 0; return b }, ErrFormatVersion},
		{"checksum", func(b []byte) []byte { b[30] ^= 1; return b }, errBadHeader},
	}
	for _, tc := range tests {
		if _, err := decodeHeader(tc.edit(bytes.Clone(b))); !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.wantErr)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	b := appendMessage(nil, 1234, "app/group", []byte("hello"))
	if len(b) != messageSize("app/group", []byte("hello")) {
		t.Fatalf("messageSize %d, encoded %d", messageSize("app/group", []byte("hello")), len(b))
	}
	if _, _, err := decodeRecord(b); !errors.Is(err, errChecksum) {
		t.Fatalf("an unsealed record decoded: %v", err)
	}
	sealMessage(b, 99)
	r, n, err := decodeRecord(append(b, 0, 0, 0))
	if err != nil || n != len(b) || r.kind != kindMessage || r.id != 99 || r.timeMs != 1234 || string(r.queue) != "app/group" || string(r.payload) != "hello" {
		t.Fatalf("decodeRecord = %+v, %d, %v", r, n, err)
	}

	ids := make([]int64, confirmChunk+10)
	for i := range ids {
		ids[i] = int64(i * 3)
	}
	c := appendConfirms(nil, "app/group", ids)
	if len(c) != confirmsSize("app/group", len(ids)) {
		t.Fatalf("confirmsSize %d, encoded %d", confirmsSize("app/group", len(ids)), len(c))
	}
	var got []int64
	for off := 0; off < len(c); {
		r, n, err := decodeRecord(c[off:])
		if err != nil || r.kind != kindConfirm || string(r.queue) != "app/group" {
			t.Fatalf("confirm record at %d: %+v, %v", off, r, err)
		}
		for i := range r.confirmIDs() {
			got = append(got, r.confirmID(i))
		}
		off += n
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("confirm ids do not round-trip: %d of %d", len(got), len(ids))
	}
}

func sealed(body []byte) []byte {
	b := append([]byte{byte(len(body)), byte(len(body) >> 8), 0, 0, 0, 0, 0, 0}, body...)
	sealRecord(b)
	return b
}

func TestDecodeRecordErrors(t *testing.T) {
	good := appendMessage(nil, 1, "q", []byte("p"))
	sealMessage(good, 1)
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, errFreeSpace},
		{"zeros", make([]byte, 20), errFreeSpace},
		{"partial frame", []byte{5, 0, 0}, errTruncated},
		{"body past the end", good[:len(good)-1], errTruncated},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1}, errTruncated},
		{"bad checksum", append(bytes.Clone(good[:len(good)-1]), 'x'), errChecksum},
		{"unknown kind", sealed([]byte{9, 1, 2}), errMalformed},
		{"message too short", sealed([]byte{kindMessage, 1, 2}), errMalformed},
		{"message without queue", sealed(append([]byte{kindMessage}, make([]byte, 17)...)), errMalformed},
		{"message queue past body", sealed(append(append([]byte{kindMessage}, make([]byte, 16)...), 5, 'a')), errMalformed},
		{"confirm without ids", sealed([]byte{kindConfirm, 1, 'q'}), errMalformed},
		{"confirm partial id", sealed([]byte{kindConfirm, 1, 'q', 1, 2, 3}), errMalformed},
	}
	for _, tc := range tests {
		if _, _, err := decodeRecord(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestScanRecords(t *testing.T) {
	rec := func(id int64) []byte {
		b := appendMessage(nil, id, "q/q", []byte("payload"))
		sealMessage(b, id)
		return b
	}
	three := slices.Concat(rec(1), rec(2), rec(3))
	n := len(rec(1))
	flipped := bytes.Clone(three)
	flipped[n+frameSize+3] ^= 1
	lastFlipped := bytes.Clone(three)
	lastFlipped[2*n+frameSize+3] ^= 1
	tests := []struct {
		name         string
		data         []byte
		stop         scanStop
		records      int
		end, dataEnd int
	}{
		{"clean", three, stopClean, 3, 3 * n, 3 * n},
		{"free space after", slices.Concat(three, make([]byte, 5000)), stopClean, 3, 3 * n, 3 * n},
		{"truncated last", three[:3*n-2], stopTorn, 2, 2 * n, 3*n - 2},
		{"truncated last in preallocated space", slices.Concat(three[:3*n-2], make([]byte, 100)), stopTorn, 2, 2 * n, 3*n - 2},
		{"bad last", lastFlipped, stopTorn, 2, 2 * n, 3 * n},
		{"bad middle", flipped, stopCorrupt, 1, n, 3 * n},
		{"garbage after zero length", slices.Concat(three, make([]byte, 10), []byte{7}), stopTorn, 3, 3 * n, 3*n + 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var offs []int
			res := scanRecords(tc.data, 0, func(off int, r *record) { offs = append(offs, off) })
			if res.stop != tc.stop || res.records != tc.records || res.end != tc.end || res.dataEnd != tc.dataEnd || len(offs) != tc.records {
				t.Fatalf("scan = %+v (offsets %v); want stop %d, %d records, end %d, data end %d", res, offs, tc.stop, tc.records, tc.end, tc.dataEnd)
			}
		})
	}
}

func TestSegmentNames(t *testing.T) {
	name := segmentName(12, 7<<48+1)
	if name != "0000000012-00001970324836974593.seg" {
		t.Fatalf("segmentName = %q", name)
	}
	for _, tc := range []struct {
		name string
		seq  uint32
		ok   bool
	}{
		{name, 12, true},
		{"0000000012.seg", 0, false},
		{"12-1.seg", 0, false},
		{"9999999999-1.seg", 0, false},
		{"0000000012-1.seg.corrupt", 0, false},
	} {
		seq, ok := parseSegmentName(tc.name)
		if seq != tc.seq || ok != tc.ok {
			t.Errorf("parseSegmentName(%q) = %d, %v", tc.name, seq, ok)
		}
	}
}
