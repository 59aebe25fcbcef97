package tmc

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var frameErrors = []error{ErrTruncated, ErrTrailing, ErrVersion, ErrMessageType, ErrHeaderType,
	ErrValueType, ErrLength, ErrTooLarge, ErrTooManyHeaders, ErrUTF8, ErrDuplicate}

func seedFrames(f *testing.F) {
	f.Add(goldenConnect)
	f.Add(goldenSend)
	f.Add(goldenAck)
	for _, fr := range []*Frame{
		(&ConnectAck{Token: "tok"}).ToFrame(),
		(&Pull{Token: "tok", Flag: 3}).ToFrame(),
		(&Confirm{Token: "tok", ID: 99}).ToFrame(),
		(&SendAck{Flag: 3, StatusCode: 500, StatusPhrase: "x"}).ToFrame(),
		(&Message{ID: 1, Topic: "t", Nick: "n", UserID: 2, DataID: 3, Publisher: "p", PubTime: goldenSendMsg.PubTime, OutTime: goldenSendMsg.PubTime}).ToFrame(),
		{Type: MsgSend, Custom: []Header{{"v", Void()}, {"b", Byte(-1)}, {"s", Int16(-2)}, {"i", Int32(3)}, {"bytes", Bytes([]byte{1, 2})}}},
	} {
		b, err := AppendFrame(nil, fr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{2, 3, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0}) // zero fixed headers
	f.Add([]byte{2, 2, 1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0})
	f.Add([]byte{2, 1, 5, 0, 1, 0, 0, 0, 't', 2, 0, 1, 0, 0, 0, 0, 0})
}

// fuzzLimits are small so the fuzzer reaches the limits too.
var fuzzLimits = Limits{MaxFrameBytes: 4096, MaxHeaders: 16, MaxStringBytes: 512}

// Decoding never panics; a decoded frame re-encodes (canonically, same length)
// to bytes that decode to the same frame and re-encode to the same bytes.
func FuzzDecodeFrame(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b, fuzzLimits)
		if err != nil {
			if fr != nil || !isOneOf(err, frameErrors) {
				t.Fatalf("error %v (frame %v) is not a frame error", err, fr)
			}
			return
		}
		re, err := AppendFrame(nil, fr)
		if err != nil {
			t.Fatalf("decoded frame %+v does not encode: %v", fr, err)
		}
		if len(re) != len(b) {
			t.Fatalf("re-encoded %d bytes from %d:\n% x\n% x", len(re), len(b), re, b)
		}
		fr2, err := DecodeFrame(re, fuzzLimits)
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if !reflect.DeepEqual(fr, fr2) {
			t.Fatalf("re-decoded %+v\nwant        %+v", fr2, fr)
		}
		if re2, _ := AppendFrame(nil, fr2); !bytes.Equal(re, re2) {
			t.Fatalf("canonical form is not stable:\n% x\n% x", re, re2)
		}
	})
}

// The typed conversions never panic on a decoded frame, and whatever they
// accept survives ToFrame and the wire unchanged.
func FuzzFromFrame(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b, fuzzLimits)
		if err != nil {
			return
		}
		check := func(name string, v interface{ ToFrame() *Frame }, read func(*Frame) (any, error)) {
			back, err := read(wire(t, v.ToFrame()))
			if err != nil || !reflect.DeepEqual(back, v) {
				t.Fatalf("%s %+v after the wire: %+v, %v", name, v, back, err)
			}
		}
		if c, err := ConnectFromFrame(fr); err == nil {
			check("connect", c, func(f *Frame) (any, error) { return ConnectFromFrame(f) })
		}
		if a, err := ConnectAckFromFrame(fr); err == nil {
			check("connectack", a, func(f *Frame) (any, error) { return ConnectAckFromFrame(f) })
		}
		if m, err := MessageFromFrame(fr); err == nil {
			check("message", m, func(f *Frame) (any, error) { return MessageFromFrame(f) })
		}
		if p, err := PullFromFrame(fr); err == nil {
			check("pull", p, func(f *Frame) (any, error) { return PullFromFrame(f) })
		}
		if c, err := ConfirmFromFrame(fr); err == nil {
			check("confirm", c, func(f *Frame) (any, error) { return ConfirmFromFrame(f) })
		}
		if a, err := SendAckFromFrame(fr); err == nil {
			check("sendack", a, func(f *Frame) (any, error) { return SendAckFromFrame(f) })
		}
		_, _ = KindOf(fr)
	})
}

func isOneOf(err error, targets []error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
