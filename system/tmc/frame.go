package tmc

import "strconv"

// ProtocolVersion is the only version this package speaks.
const ProtocolVersion = 2

// MessageType is a frame's second byte.
type MessageType uint8

// Message types of the wire.
const (
	MsgConnect    MessageType = iota // client -> server handshake
	MsgConnectAck                    // server -> client handshake answer
	MsgSend                          // either way; custom header __kind says what it carries
	MsgSendAck                       // answer to a SEND that asked for one (non-zero flag)
)

var messageTypeNames = [...]string{"CONNECT", "CONNECTACK", "SEND", "SENDACK"}

func (t MessageType) String() string {
	if int(t) < len(messageTypeNames) {
		return messageTypeNames[t]
	}
	return "message type " + strconv.Itoa(int(t))
}

// Header types of the wire (int16).
const (
	headerEnd          = 0
	headerCustom       = 1
	headerStatusCode   = 2
	headerStatusPhrase = 3
	headerFlag         = 4
	headerToken        = 5
)

// HeaderSet marks which fixed headers a frame carries.
type HeaderSet uint8

// Fixed headers.
const (
	HasStatusCode HeaderSet = 1 << iota
	HasStatusPhrase
	HasFlag
	HasToken
)

// Header is one custom header: a key and a typed value.
type Header struct {
	Key   string
	Value Value
}

// Frame is one TMC frame. The fixed headers are fields; Has records which of
// them were on the wire, and the encoder writes a fixed header when its bit
// is set or its value is non-zero, so a decoded frame re-encodes to the same
// headers. Custom headers keep their order; keys are unique (the decoder
// rejects duplicates, the encoder refuses to write them).
//
// The encoder writes the fixed headers first, in header-type order, then the
// custom ones: that is the canonical byte form. Decoding accepts any order.
type Frame struct {
	Version      uint8 // 0 encodes as ProtocolVersion
	Type         MessageType
	StatusCode   int32
	StatusPhrase string
	Flag         int32
	Token        string
	Custom       []Header
	Has          HeaderSet
}

// Reset empties f, keeping the storage of Custom.
func (f *Frame) Reset() {
	clear(f.Custom) // drop references to the previous frame's strings
	*f = Frame{Custom: f.Custom[:0]}
}

// Get returns the value of the custom header key.
func (f *Frame) Get(key string) (Value, bool) {
	for i := range f.Custom {
		if f.Custom[i].Key == key {
			return f.Custom[i].Value, true
		}
	}
	return Value{}, false
}

// Set replaces the value of the custom header key, or appends it.
func (f *Frame) Set(key string, v Value) {
	for i := range f.Custom {
		if f.Custom[i].Key == key {
			f.Custom[i].Value = v
			return
		}
	}
	f.Custom = append(f.Custom, Header{key, v})
}

// Limits bound what the decoder accepts from outside input.
type Limits struct {
	MaxFrameBytes  int // default 256 KiB
	MaxHeaders     int // fixed and custom together; default 64
	MaxStringBytes int // each key, string and byte array; default 64 KiB
}

// Default limits.
const (
	DefaultMaxFrameBytes  = 256 << 10
	DefaultMaxHeaders     = 64
	DefaultMaxStringBytes = 64 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxFrameBytes <= 0 {
		l.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = DefaultMaxStringBytes
	}
	return l
}

// firstDuplicate returns a key that appears twice in hs, or "", false.
// Frames hold a handful of headers, so pairwise comparison beats a map
// until the count grows.
func firstDuplicate(hs []Header) (string, bool) {
	if len(hs) > 32 {
		seen := make(map[string]struct{}, len(hs))
		for i := range hs {
			if _, ok := seen[hs[i].Key]; ok {
				return hs[i].Key, true
			}
			seen[hs[i].Key] = struct{}{}
		}
		return "", false
	}
	for i := 1; i < len(hs); i++ {
		for j := range i {
			if hs[i].Key == hs[j].Key {
				return hs[i].Key, true
			}
		}
	}
	return "", false
}
