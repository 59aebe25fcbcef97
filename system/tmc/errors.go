package tmc

import (
	"errors"
	"fmt"
)

// Frame errors. Decoding wraps them with where it failed; test with errors.Is.
var (
	ErrTruncated      = errors.New("tmc: truncated frame")
	ErrTrailing       = errors.New("tmc: trailing bytes after the end of headers")
	ErrVersion        = errors.New("tmc: unsupported protocol version")
	ErrMessageType    = errors.New("tmc: unexpected message type")
	ErrHeaderType     = errors.New("tmc: unknown header type")
	ErrValueType      = errors.New("tmc: unknown value type")
	ErrLength         = errors.New("tmc: negative length")
	ErrTooLarge       = errors.New("tmc: too large")
	ErrTooManyHeaders = errors.New("tmc: too many headers")
	ErrUTF8           = errors.New("tmc: invalid utf-8")
	ErrDuplicate      = errors.New("tmc: duplicate header")
	ErrRange          = errors.New("tmc: value out of range of its type")
)

// Message errors, from the typed conversions.
var (
	ErrMissingField = errors.New("tmc: missing field")
	ErrFieldType    = errors.New("tmc: invalid field value")
	ErrKind         = errors.New("tmc: unexpected message kind")
)

// Status codes a CONNECTACK or SENDACK carries on failure. The wire allows
// any int32; these are the ones the lab's server and client agree on.
const (
	StatusBadRequest   int32 = 400 // malformed frame or missing field: do not retry as is
	StatusUnauthorized int32 = 401 // unknown app, bad sign, timestamp skew, bad token
	StatusServerError  int32 = 500 // the server failed; retry
	StatusUnavailable  int32 = 503 // overloaded or draining; reconnect later, maybe elsewhere
)

// StatusError is a failure the server reported in a CONNECTACK or SENDACK.
type StatusError struct {
	Code   int32
	Phrase string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("tmc: status %d: %s", e.Code, e.Phrase)
}

// Retryable reports whether the same request may succeed later.
func (e *StatusError) Retryable() bool {
	return e.Code == StatusServerError || e.Code == StatusUnavailable
}
