package tmc

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// ValueType is the type byte in front of a custom header's value.
type ValueType uint8

// Value types of the wire.
const (
	ValueVoid   ValueType = iota // no value bytes
	ValueString                  // counted string
	ValueByte                    // 1 byte, signed as in the Java SDK
	ValueInt16                   // int16
	ValueInt32                   // int32
	ValueInt64                   // int64
	ValueDate                    // int64 Unix milliseconds
	ValueBytes                   // int32 length + bytes
)

var valueTypeNames = [...]string{"void", "string", "byte", "int16", "int32", "int64", "date", "bytes"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return "value type " + strconv.Itoa(int(t))
}

// Value is a custom header's value, a tagged union: Type says which field
// holds it. Str holds a ValueString; Int holds the integer types and a
// ValueDate (as Unix milliseconds, so a date round-trips exactly and costs no
// time.Time conversion until asked for); Bytes holds a ValueBytes. The
// encoder ignores the other fields and the decoder leaves them zero.
type Value struct {
	Type  ValueType
	Int   int64
	Str   string
	Bytes []byte
}

// Void returns a value of type void.
func Void() Value { return Value{Type: ValueVoid} }

// String returns a counted-string value.
func String(s string) Value { return Value{Type: ValueString, Str: s} }

// Byte returns a byte value.
func Byte(v int8) Value { return Value{Type: ValueByte, Int: int64(v)} }

// Int16 returns an int16 value.
func Int16(v int16) Value { return Value{Type: ValueInt16, Int: int64(v)} }

// Int32 returns an int32 value.
func Int32(v int32) Value { return Value{Type: ValueInt32, Int: int64(v)} }

// Int64 returns an int64 value.
func Int64(v int64) Value { return Value{Type: ValueInt64, Int: v} }

// Date returns a date value: t truncated to the millisecond.
func Date(t time.Time) Value { return Value{Type: ValueDate, Int: t.UnixMilli()} }

// DateMs returns a date value of Unix milliseconds.
func DateMs(ms int64) Value { return Value{Type: ValueDate, Int: ms} }

// Bytes returns a byte-array value; b is not copied.
func Bytes(b []byte) Value { return Value{Type: ValueBytes, Bytes: b} }

// Integer returns the value of a byte, int16, int32 or int64.
func (v Value) Integer() (int64, bool) {
	switch v.Type {
	case ValueByte, ValueInt16, ValueInt32, ValueInt64:
		return v.Int, true
	}
	return 0, false
}

// Time returns the time of a date value.
func (v Value) Time() (time.Time, bool) {
	if v.Type != ValueDate {
		return time.Time{}, false
	}
	return time.UnixMilli(v.Int), true
}

// Equal reports whether v and o are the same type and value, looking only
// at the field the type uses (a nil and an empty byte array are equal).
func (v Value) Equal(o Value) bool {
	if v.Type != o.Type {
		return false
	}
	switch v.Type {
	case ValueVoid:
		return true
	case ValueString:
		return v.Str == o.Str
	case ValueBytes:
		return bytes.Equal(v.Bytes, o.Bytes)
	}
	return v.Int == o.Int
}

// GoString renders the value for test failures and logs, e.g. int64(7).
func (v Value) GoString() string {
	switch v.Type {
	case ValueVoid:
		return "void"
	case ValueString:
		return strconv.Quote(v.Str)
	case ValueBytes:
		return fmt.Sprintf("bytes(%x)", v.Bytes)
	case ValueDate:
		return "date(" + time.UnixMilli(v.Int).UTC().Format(time.RFC3339Nano) + ")"
	}
	return fmt.Sprintf("%s(%d)", v.Type, v.Int)
}

// inRange reports whether Int fits the wire width of v's integer type.
func (v Value) inRange() bool {
	switch v.Type {
	case ValueByte:
		return v.Int == int64(int8(v.Int))
	case ValueInt16:
		return v.Int == int64(int16(v.Int))
	case ValueInt32:
		return v.Int == int64(int32(v.Int))
	}
	return true
}
