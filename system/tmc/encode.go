package tmc

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

var le = binary.LittleEndian

// AppendFrame appends the canonical encoding of f to dst. It refuses, with
// dst unchanged, what a decoder would reject: another version, an unknown
// message or value type, an integer outside its type's width, invalid UTF-8,
// a duplicate custom key. Limits are the receiver's business and not checked.
func AppendFrame(dst []byte, f *Frame) ([]byte, error) {
	out, err := appendFrame(dst, f)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func appendFrame(dst []byte, f *Frame) ([]byte, error) {
	version := f.Version
	if version == 0 {
		version = ProtocolVersion
	}
	if version != ProtocolVersion {
		return dst, fmt.Errorf("%w: %d", ErrVersion, version)
	}
	if f.Type > MsgSendAck {
		return dst, fmt.Errorf("%w: %d", ErrMessageType, f.Type)
	}
	if key, dup := firstDuplicate(f.Custom); dup {
		return dst, fmt.Errorf("%w: custom header %q", ErrDuplicate, key)
	}
	dst = append(dst, version, byte(f.Type))
	var err error
	if f.Has&HasStatusCode != 0 || f.StatusCode != 0 {
		dst = le.AppendUint16(dst, headerStatusCode)
		dst = le.AppendUint32(dst, uint32(f.StatusCode))
	}
	if f.Has&HasStatusPhrase != 0 || f.StatusPhrase != "" {
		dst = le.AppendUint16(dst, headerStatusPhrase)
		if dst, err = appendString(dst, f.StatusPhrase); err != nil {
			return dst, fmt.Errorf("%w (status phrase)", err)
		}
	}
	if f.Has&HasFlag != 0 || f.Flag != 0 {
		dst = le.AppendUint16(dst, headerFlag)
		dst = le.AppendUint32(dst, uint32(f.Flag))
	}
	if f.Has&HasToken != 0 || f.Token != "" {
		dst = le.AppendUint16(dst, headerToken)
		if dst, err = appendString(dst, f.Token); err != nil {
			return dst, fmt.Errorf("%w (token)", err)
		}
	}
	for i := range f.Custom {
		h := &f.Custom[i]
		dst = le.AppendUint16(dst, headerCustom)
		if dst, err = appendString(dst, h.Key); err != nil {
			return dst, fmt.Errorf("%w (custom header key)", err)
		}
		if dst, err = appendValue(dst, &h.Value); err != nil {
			return dst, fmt.Errorf("%w (custom header %q)", err, truncate(h.Key))
		}
	}
	return le.AppendUint16(dst, headerEnd), nil
}

// appendString appends a counted string.
func appendString(dst []byte, s string) ([]byte, error) {
	if len(s) > math.MaxInt32 {
		return dst, fmt.Errorf("%w: string of %d bytes", ErrTooLarge, len(s))
	}
	if !utf8.ValidString(s) {
		return dst, ErrUTF8
	}
	dst = le.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...), nil
}

// appendValue appends a typed value.
func appendValue(dst []byte, v *Value) ([]byte, error) {
	if v.Type > ValueBytes {
		return dst, fmt.Errorf("%w: %d", ErrValueType, v.Type)
	}
	if !v.inRange() {
		return dst, fmt.Errorf("%w: %s %d", ErrRange, v.Type, v.Int)
	}
	dst = append(dst, byte(v.Type))
	switch v.Type {
	case ValueString:
		return appendString(dst, v.Str)
	case ValueByte:
		return append(dst, byte(v.Int)), nil
	case ValueInt16:
		return le.AppendUint16(dst, uint16(v.Int)), nil
	case ValueInt32:
		return le.AppendUint32(dst, uint32(v.Int)), nil
	case ValueInt64, ValueDate:
		return le.AppendUint64(dst, uint64(v.Int)), nil
	case ValueBytes:
		if len(v.Bytes) > math.MaxInt32 {
			return dst, fmt.Errorf("%w: byte array of %d bytes", ErrTooLarge, len(v.Bytes))
		}
		dst = le.AppendUint32(dst, uint32(len(v.Bytes)))
		return append(dst, v.Bytes...), nil
	}
	return dst, nil // void
}
