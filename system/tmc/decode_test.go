package tmc

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

func TestDecodeFrameErrors(t *testing.T) {
	custom := func(key string, value ...any) []byte {
		return cat(x{1, 0, byte(len(key)), 0, 0, 0}, key, cat(value...))
	}
	end := x{0, 0}
	tests := []struct {
		name string
		in   []byte
		lim  Limits
		want error
	}{
		{"empty", nil, Limits{}, ErrTruncated},
		{"one byte", x{2}, Limits{}, ErrTruncated},
		{"no end of headers", x{2, 0}, Limits{}, ErrTruncated},
		{"half a header type", x{2, 0, 0}, Limits{}, ErrTruncated},
		{"version 1", x{1, 0, 0, 0}, Limits{}, ErrVersion},
		{"version 3", x{3, 0, 0, 0}, Limits{}, ErrVersion},
		{"message type 4", x{2, 4, 0, 0}, Limits{}, ErrMessageType},
		{"header type 6", x{2, 0, 6, 0, 0, 0}, Limits{}, ErrHeaderType},
		{"header type -1", x{2, 0, 0xff, 0xff, 0, 0}, Limits{}, ErrHeaderType},
		{"truncated status code", x{2, 1, 2, 0, 1, 0}, Limits{}, ErrTruncated},
		{"truncated flag", x{2, 1, 4, 0, 1, 0, 0}, Limits{}, ErrTruncated},
		{"truncated length", x{2, 1, 5, 0, 1, 0}, Limits{}, ErrTruncated},
		{"negative token length", x{2, 1, 5, 0, 0xff, 0xff, 0xff, 0xff, 0, 0}, Limits{}, ErrLength},
		{"token longer than the frame", cat(x{2, 1, 5, 0, 9, 0, 0, 0}, "abc", end), Limits{}, ErrTruncated},
		{"string over the limit", cat(x{2, 1, 3, 0, 5, 0, 0, 0}, "hello", end), Limits{MaxStringBytes: 4}, ErrTooLarge},
		{"frame over the limit", cat(x{2, 1}, custom("k", x{1, 5, 0, 0, 0}, "hello"), end), Limits{MaxFrameBytes: 16}, ErrTooLarge},
		{"huge claimed length", x{2, 1, 3, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0}, Limits{}, ErrTooLarge},
		{"value type 8", cat(x{2, 2}, custom("k", x{8}), end), Limits{}, ErrValueType},
		{"missing value type", cat(x{2, 2}, custom("k")), Limits{}, ErrTruncated},
		{"truncated int64", cat(x{2, 2}, custom("k", x{5, 1, 2, 3})), Limits{}, ErrTruncated},
		{"truncated date", cat(x{2, 2}, custom("k", x{6, 1, 2, 3, 4, 5, 6, 7})), Limits{}, ErrTruncated},
		{"truncated int16", cat(x{2, 2}, custom("k", x{3, 1})), Limits{}, ErrTruncated},
		{"truncated byte", cat(x{2, 2}, custom("k", x{2})), Limits{}, ErrTruncated},
		{"negative byte array", cat(x{2, 2}, custom("k", x{7, 0, 0, 0, 0x80}), end), Limits{}, ErrLength},
		{"truncated byte array", cat(x{2, 2}, custom("k", x{7, 4, 0, 0, 0, 1, 2}), end), Limits{}, ErrTruncated},
		{"negative key length", cat(x{2, 2, 1, 0, 0xfe, 0xff, 0xff, 0xff}, end), Limits{}, ErrLength},
		{"utf-8 in key", cat(x{2, 2, 1, 0, 1, 0, 0, 0, 0xff, 0}, end), Limits{}, ErrUTF8},
		{"utf-8 in value", cat(x{2, 2}, custom("k", x{1, 2, 0, 0, 0, 0xc3, 0x28}), end), Limits{}, ErrUTF8},
		{"utf-8 in phrase", cat(x{2, 1, 3, 0, 1, 0, 0, 0, 0x80}, end), Limits{}, ErrUTF8},
		{"utf-8 in token", cat(x{2, 1, 5, 0, 3, 0, 0, 0, 0xed, 0xa0, 0x80}, end), Limits{}, ErrUTF8}, // a surrogate
		{"trailing byte", x{2, 0, 0, 0, 0}, Limits{}, ErrTrailing},
		{"trailing header", cat(x{2, 0}, end, custom("k", x{0}), end), Limits{}, ErrTrailing},
		{"too many headers", cat(x{2, 2}, custom("a", x{0}), custom("b", x{0}), custom("c", x{0}), end), Limits{MaxHeaders: 2}, ErrTooManyHeaders},
		{"too many fixed headers", x{2, 1, 4, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0}, Limits{MaxHeaders: 1}, ErrTooManyHeaders},
		{"duplicate custom key", cat(x{2, 2}, custom("k", x{0}), custom("k", x{2, 1}), end), Limits{}, ErrDuplicate},
		{"duplicate token", cat(x{2, 1, 5, 0, 1, 0, 0, 0}, "a", x{5, 0, 1, 0, 0, 0}, "b", end), Limits{}, ErrDuplicate},
		{"duplicate status code", x{2, 1, 2, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0}, Limits{}, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeFrame(tt.in, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if f != nil {
				t.Fatal("a frame came back with the error")
			}
			if !strings.HasPrefix(err.Error(), "tmc: ") || strings.ContainsAny(err.Error()[:6], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				t.Fatalf("error %q is not a lower-case tmc error", err)
			}
		})
	}
}

func TestDecodeIntoResetsOnError(t *testing.T) {
	var f Frame
	if err := f.Decode(goldenAck, Limits{}); err != nil || f.Token != "t" {
		t.Fatalf("decode golden: %v", err)
	}
	if err := f.Decode(goldenAck[:len(goldenAck)-1], Limits{}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v", err)
	}
	if f.Token != "" || f.Has != 0 || f.StatusCode != 0 {
		t.Fatalf("frame not reset after an error: %+v", f)
	}
}

// Decoded strings do not alias the input buffer, which the caller reuses.
func TestDecodeDoesNotRetainInput(t *testing.T) {
	in := append([]byte(nil), goldenSend...)
	f := mustDecode(t, in)
	clear(in)
	m, err := MessageFromFrame(f)
	if err != nil || m.Topic != "taobao_trade_TradeCreate" || m.Content != `{"tid":1}` {
		t.Fatalf("after clearing the input: %+v, %v", m, err)
	}
	b := cat(x{2, 2}, x{1, 0, 1, 0, 0, 0}, "k", x{7, 2, 0, 0, 0, 'a', 'b'}, x{0, 0})
	f = mustDecode(t, b)
	clear(b)
	if v, _ := f.Get("k"); string(v.Bytes) != "ab" {
		t.Fatalf("byte array aliased the input: %q", v.Bytes)
	}
}

// A length claimed by the input never sizes an allocation before it is
// checked against the bytes that are there, whatever the limits allow.
func TestDecodeDoesNotTrustClaimedLengths(t *testing.T) {
	lim := Limits{MaxFrameBytes: math.MaxInt32, MaxStringBytes: math.MaxInt32}
	inputs := [][]byte{
		x{2, 1, 5, 0, 0xff, 0xff, 0xff, 0x7f, 'a'},
		cat(x{2, 2, 1, 0, 1, 0, 0, 0}, "k", x{7, 0xff, 0xff, 0xff, 0x7f, 'a'}),
	}
	for _, in := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeFrame(in, lim)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("err = %v, want ErrTruncated", err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(in), n)
		}
	}
}

func TestDecodeAllocations(t *testing.T) {
	var f Frame
	if err := f.Decode(goldenSend, Limits{}); err != nil {
		t.Fatal(err)
	}
	// One copy of the frame shared by its strings; the header slice is reused.
	if n := testing.AllocsPerRun(100, func() { _ = f.Decode(goldenSend, Limits{}) }); n > 1 {
		t.Fatalf("Decode into a reused frame: %v allocs, want 1", n)
	}
	var m Message
	if n := testing.AllocsPerRun(100, func() { _ = m.ReadFrame(&f) }); n != 0 {
		t.Fatalf("Message.ReadFrame: %v allocs, want 0", n)
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { m.FillFrame(&f); buf, _ = AppendFrame(buf[:0], &f) }); n != 0 {
		t.Fatalf("encode into a reused buffer: %v allocs, want 0", n)
	}
}
