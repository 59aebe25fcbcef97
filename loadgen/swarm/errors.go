package swarm

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Errors of a connection that did not open, by what failed.
var (
	ErrDial      = errors.New("swarm: connect failed")
	ErrHandshake = errors.New("swarm: websocket upgrade failed")
	ErrReply     = errors.New("swarm: no valid reply to the first frame")
	ErrTimeout   = errors.New("swarm: timed out")
	ErrHandoff   = errors.New("swarm: handing the connection to the poller failed")
)

// StatusError is an upgrade the server refused with an HTTP status (503 when
// the node is saturated); Body is the start of its plain-text reason.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("swarm: upgrade refused with status %d: %q", e.Code, e.Body)
}

func (e *StatusError) Unwrap() error { return ErrHandshake }

// kindOf names an error's kind for Result.Errors.
func kindOf(err error) string {
	var se *StatusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("status %d", se.Code)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrTimeout), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, ErrDial):
		return "dial"
	case errors.Is(err, ErrHandshake):
		return "handshake"
	case errors.Is(err, ErrReply):
		return "reply"
	case errors.Is(err, ErrHandoff):
		return "handoff"
	default:
		return "other"
	}
}
