package tmc

import (
	"fmt"
	"strconv"
	"time"
)

// Field readers for the typed messages. Each accepts what public clients are
// seen to send for a kind of field, treats void (a Java null) as absent, and
// names the field in its error.

func fieldErr(key string, v Value, want string) error {
	return fmt.Errorf("%w: %s is %s, want %s", ErrFieldType, truncate(key), v.Type, want)
}

// stringField reads a counted string.
func stringField(h *Header) (string, error) {
	switch h.Value.Type {
	case ValueString:
		return h.Value.Str, nil
	case ValueVoid:
		return "", nil
	}
	return "", fieldErr(h.Key, h.Value, "string")
}

// intField reads any integer type or a decimal string.
func intField(h *Header) (int64, error) {
	switch h.Value.Type {
	case ValueByte, ValueInt16, ValueInt32, ValueInt64:
		return h.Value.Int, nil
	case ValueVoid:
		return 0, nil
	case ValueString:
		n, err := strconv.ParseInt(h.Value.Str, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %s %q is not a decimal integer", ErrFieldType, h.Key, truncate(h.Value.Str))
		}
		return n, nil
	}
	return 0, fieldErr(h.Key, h.Value, "integer")
}

// timeField reads a date, or Unix milliseconds as an integer or decimal string.
func timeField(h *Header) (time.Time, error) {
	ms := h.Value.Int
	switch h.Value.Type {
	case ValueDate:
	case ValueVoid:
		return time.Time{}, nil
	default:
		var err error
		if ms, err = intField(h); err != nil {
			return time.Time{}, err
		}
	}
	if t := time.UnixMilli(ms); !t.IsZero() {
		return t, nil
	}
	return time.Time{}, nil // year 1 is "absent", as the encoder treats it
}

// appendDate, appendStr and appendInt add an optional field, left out when zero.
func appendDate(hs []Header, key string, t time.Time) []Header {
	if t.IsZero() {
		return hs
	}
	return append(hs, Header{key, Date(t)})
}

func appendStr(hs []Header, key, s string) []Header {
	if s == "" {
		return hs
	}
	return append(hs, Header{key, String(s)})
}

func appendInt(hs []Header, key string, n int64) []Header {
	if n == 0 {
		return hs
	}
	return append(hs, Header{key, Int64(n)})
}

func wantType(f *Frame, want MessageType) error {
	if f.Type != want {
		return fmt.Errorf("%w: want %s, got %s", ErrMessageType, want, f.Type)
	}
	return nil
}

func missing(what, key string) error {
	return fmt.Errorf("%w: %s %s", ErrMissingField, what, key)
}

// truncate keeps error messages short whatever the peer sent.
func truncate(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
