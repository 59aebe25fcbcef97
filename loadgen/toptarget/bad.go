package toptarget

import "github.com/toplab/toplab/system/top"

// BadKind is a deliberate defect of a request, answered by a known error
// code (REFERENCE section 1, and the gateway's stage order: decode, app
// auth, resolve, session).
type BadKind uint8

const (
	// BadSign sends a signature with one hex digit changed: code 25.
	BadSign BadKind = iota + 1
	// BadTimestamp sends a correctly signed timestamp an hour old, beyond
	// the 10 minutes of skew allowed: code 31.
	BadTimestamp
	// BadMethod calls a well-formed method no one serves: code 22.
	BadMethod
	// BadSession sends a session that does not exist: code 27.
	BadSession
	// BadAppKey signs as an app that does not exist: code 29.
	BadAppKey
	badKinds // the number of kinds plus one
)

// Values the defects use.
const (
	unknownMethod  = "toplab.no_such.method"
	unknownSession = "toplab-no-such-session"
	unknownAppKey  = "toplab-no-such-app"
	staleBy        = 3600 // seconds: well past top.MaxSkew
)

// BadKindList returns every kind in order.
func BadKindList() []BadKind {
	out := make([]BadKind, 0, badKinds-1)
	for k := BadSign; k < badKinds; k++ {
		out = append(out, k)
	}
	return out
}

// Code is the error code the gateway must answer the defect with (0 for an
// unknown kind).
func (k BadKind) Code() int {
	switch k {
	case BadSign:
		return top.CodeInvalidSignature
	case BadTimestamp:
		return top.CodeInvalidTimestamp
	case BadMethod:
		return top.CodeInvalidMethod
	case BadSession:
		return top.CodeInvalidSession
	case BadAppKey:
		return top.CodeInvalidAppKey
	}
	return 0
}

func (k BadKind) String() string {
	switch k {
	case BadSign:
		return "wrong-sign"
	case BadTimestamp:
		return "stale-timestamp"
	case BadMethod:
		return "unknown-method"
	case BadSession:
		return "unknown-session"
	case BadAppKey:
		return "unknown-app"
	}
	return "unknown"
}

// perItem reports whether the defect belongs to one batch item rather than
// to the batch request (its sign, timestamp and app are the batch's).
func (k BadKind) perItem() bool { return k == BadMethod || k == BadSession }
