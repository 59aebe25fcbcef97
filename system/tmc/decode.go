package tmc

import (
	"fmt"
	"unicode/utf8"
)

// DecodeFrame decodes one frame of outside input under lim (zero fields mean
// the defaults). See Frame.Decode.
func DecodeFrame(b []byte, lim Limits) (*Frame, error) {
	f := new(Frame)
	if err := f.Decode(b, lim); err != nil {
		return nil, err
	}
	return f, nil
}

// Decode replaces f's contents with the frame in b, reusing f's storage, and
// resets f on error. It never panics and checks every length against the
// limit and the bytes left before using it, so what it allocates is bounded
// by len(b), never by a number the peer wrote. b is not retained: the decoded
// strings share one copy of b made at the first non-empty string (a frame's
// strings cost one allocation; keeping any of them keeps that copy alive);
// byte arrays are copied each on its own; Custom grows only as headers are
// actually read.
func (f *Frame) Decode(b []byte, lim Limits) error {
	f.Reset()
	if err := f.decode(b, lim.withDefaults()); err != nil {
		f.Reset()
		return err
	}
	return nil
}

func (f *Frame) decode(b []byte, lim Limits) error {
	if len(b) > lim.MaxFrameBytes {
		return fmt.Errorf("%w: frame of %d bytes, limit %d", ErrTooLarge, len(b), lim.MaxFrameBytes)
	}
	if len(b) < 2 {
		return fmt.Errorf("%w: %d bytes, a frame needs at least 4", ErrTruncated, len(b))
	}
	if b[0] != ProtocolVersion {
		return fmt.Errorf("%w: %d", ErrVersion, b[0])
	}
	if MessageType(b[1]) > MsgSendAck {
		return fmt.Errorf("%w: %d", ErrMessageType, b[1])
	}
	f.Version, f.Type = b[0], MessageType(b[1])
	d := decoder{b: b, off: 2, maxString: lim.MaxStringBytes, maxHeaders: lim.MaxHeaders}
	for count := 0; ; count++ {
		at := d.off
		ht, err := d.u16("header type")
		if err != nil {
			return err
		}
		if ht == headerEnd {
			break
		}
		if count == lim.MaxHeaders {
			return fmt.Errorf("%w: more than %d", ErrTooManyHeaders, lim.MaxHeaders)
		}
		if err := f.decodeHeader(&d, ht, at); err != nil {
			return err
		}
	}
	if d.off != len(b) {
		return fmt.Errorf("%w: %d bytes at offset %d", ErrTrailing, len(b)-d.off, d.off)
	}
	if key, dup := firstDuplicate(f.Custom); dup {
		return fmt.Errorf("%w: custom header %q", ErrDuplicate, truncate(key))
	}
	return nil
}

// decodeHeader decodes the header of type ht that started at offset at.
func (f *Frame) decodeHeader(d *decoder, ht uint16, at int) error {
	var bit HeaderSet
	var err error
	switch ht {
	case headerCustom:
		if f.Custom == nil {
			// Size for the headers the bytes left can hold (a custom header
			// takes at least 7), so a fresh frame grows at most once or twice.
			f.Custom = make([]Header, 0, min(d.maxHeaders, (len(d.b)-d.off)/7+1, 16))
		}
		f.Custom = append(f.Custom, Header{})
		h := &f.Custom[len(f.Custom)-1] // decode in place: no copies of the value
		if h.Key, err = d.str("custom header key"); err != nil {
			return err
		}
		if err = d.value(&h.Value); err != nil {
			return fmt.Errorf("%w (custom header %q)", err, truncate(h.Key))
		}
		return nil
	case headerStatusCode:
		bit = HasStatusCode
		var v uint32
		v, err = d.u32("status code")
		f.StatusCode = int32(v)
	case headerStatusPhrase:
		bit = HasStatusPhrase
		f.StatusPhrase, err = d.str("status phrase")
	case headerFlag:
		bit = HasFlag
		var v uint32
		v, err = d.u32("flag")
		f.Flag = int32(v)
	case headerToken:
		bit = HasToken
		f.Token, err = d.str("token")
	default:
		return fmt.Errorf("%w: %d at offset %d", ErrHeaderType, int16(ht), at)
	}
	if err != nil {
		return err
	}
	if f.Has&bit != 0 {
		return fmt.Errorf("%w: fixed header type %d again at offset %d", ErrDuplicate, ht, at)
	}
	f.Has |= bit
	return nil
}

// decoder reads little-endian fields from b, checking each against what is left.
type decoder struct {
	b          []byte
	off        int
	s          string // string(b), made at the first non-empty string
	maxString  int
	maxHeaders int
}

func (d *decoder) need(n int, what string) error {
	if left := len(d.b) - d.off; n > left {
		return fmt.Errorf("%w: %s at offset %d needs %d bytes, %d left", ErrTruncated, what, d.off, n, left)
	}
	return nil
}

func (d *decoder) u8(what string) (uint8, error) {
	if err := d.need(1, what); err != nil {
		return 0, err
	}
	d.off++
	return d.b[d.off-1], nil
}

func (d *decoder) u16(what string) (uint16, error) {
	if err := d.need(2, what); err != nil {
		return 0, err
	}
	d.off += 2
	return le.Uint16(d.b[d.off-2:]), nil
}

func (d *decoder) u32(what string) (uint32, error) {
	if err := d.need(4, what); err != nil {
		return 0, err
	}
	d.off += 4
	return le.Uint32(d.b[d.off-4:]), nil
}

func (d *decoder) u64(what string) (uint64, error) {
	if err := d.need(8, what); err != nil {
		return 0, err
	}
	d.off += 8
	return le.Uint64(d.b[d.off-8:]), nil
}

// length reads an int32 length and checks it against the limit and the
// bytes left, so nothing is ever sized by an unchecked number.
func (d *decoder) length(what string) (int, error) {
	at := d.off
	v, err := d.u32(what) // a truncated length reads "<what> ... needs 4 bytes"
	if err != nil {
		return 0, err
	}
	n := int(int32(v))
	if n < 0 {
		return 0, fmt.Errorf("%w: %s length %d at offset %d", ErrLength, what, n, at)
	}
	if n > d.maxString {
		return 0, fmt.Errorf("%w: %s of %d bytes at offset %d, limit %d", ErrTooLarge, what, n, at, d.maxString)
	}
	if err := d.need(n, what); err != nil {
		return 0, err
	}
	return n, nil
}

func (d *decoder) str(what string) (string, error) {
	n, err := d.length(what)
	if err != nil || n == 0 {
		return "", err
	}
	if !utf8.Valid(d.b[d.off : d.off+n]) {
		return "", fmt.Errorf("%w: %s at offset %d", ErrUTF8, what, d.off)
	}
	if d.s == "" {
		d.s = string(d.b)
	}
	d.off += n
	return d.s[d.off-n : d.off], nil
}

// value decodes a typed value into v, which must be zero.
func (d *decoder) value(v *Value) error {
	at := d.off
	t, err := d.u8("value type")
	if err != nil {
		return err
	}
	v.Type = ValueType(t)
	var u uint64
	switch v.Type {
	case ValueVoid:
	case ValueString:
		v.Str, err = d.str("string value")
	case ValueByte:
		var x uint8
		x, err = d.u8("byte value")
		v.Int = int64(int8(x))
	case ValueInt16:
		var x uint16
		x, err = d.u16("int16 value")
		v.Int = int64(int16(x))
	case ValueInt32:
		var x uint32
		x, err = d.u32("int32 value")
		v.Int = int64(int32(x))
	case ValueInt64:
		u, err = d.u64("int64 value")
		v.Int = int64(u)
	case ValueDate:
		u, err = d.u64("date value")
		v.Int = int64(u)
	case ValueBytes:
		var n int
		if n, err = d.length("byte array"); err == nil && n > 0 {
			v.Bytes = append([]byte(nil), d.b[d.off:d.off+n]...)
			d.off += n
		}
	default:
		return fmt.Errorf("%w: %d at offset %d", ErrValueType, t, at)
	}
	return err
}
