// Package tmc is the wire format of TMC, the message service, shared by the
// push server and the SDK's TMC client: the binary frame model and codec, the
// typed messages of the protocol (CONNECT, CONNECTACK, data/pull/confirm
// SENDs, SENDACK) and the CONNECT signature.
//
// A frame is little-endian: byte protocol version (2), byte message type,
// then headers, each an int16 header type (0 ends them): 1 custom (counted
// string key + typed value), 2 statusCode (int32), 3 statusPhrase (counted
// string), 4 flag (int32), 5 token (counted string). A counted string is an
// int32 length and UTF-8 bytes; a typed value is a type byte and the value.
//
// Layers: Frame/AppendFrame/DecodeFrame know nothing of TMC semantics;
// Connect, ConnectAck, Message, Pull, Confirm and SendAck map frames to Go
// types (FillFrame/ToFrame one way, ReadFrame/XFromFrame the other) and check
// required fields. Decoding never trusts a length before checking it against
// the bytes that are actually there.
//
// Choices the reference leaves open: data SENDs use __kind 3 (KindData, as
// public clients do), written as a byte value; CONNECT's timestamp is written
// as an int64 value (a decimal string is accepted); the encoder's output is
// canonical (fixed headers first, in header-type order, then the custom ones
// in order), and a frame with a duplicate custom key or fixed header is
// rejected rather than resolved by "last one wins".
package tmc
