package socket

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

// Errors of Send and causes given to OnClose. Test with errors.Is.
var (
	ErrClosed           = errors.New("socket: connection closed")
	ErrSlowReader       = errors.New("socket: slow reader: unsent bytes over the connection's limit")
	ErrIdle             = errors.New("socket: idle timeout")
	ErrHandshakeTimeout = errors.New("socket: no frame within the handshake timeout")
	ErrBadFrame         = errors.New("socket: undecodable tmc frame")
	ErrTextMessage      = errors.New("socket: text message")
	ErrOversize         = errors.New("socket: message over the frame size limit")
	ErrProtocol         = errors.New("socket: websocket protocol violation")
	ErrShutdown         = errors.New("socket: server shutting down")
)

// CloseError is a close with a code: one the handler asked for with
// Conn.Close, or a peer's close frame with a code other than 1000/1001.
type CloseError struct {
	Code   int
	Reason string
	ByPeer bool
}

func (e *CloseError) Error() string {
	who := "server"
	if e.ByPeer {
		who = "peer"
	}
	return fmt.Sprintf("socket: closed by %s with %d %q", who, e.Code, e.Reason)
}

// Close codes of RFC 6455 the server sends.
const (
	CloseNormal      = 1000
	CloseGoingAway   = 1001
	CloseProtocol    = 1002
	CloseUnsupported = 1003
	ClosePolicy      = 1008
	CloseTooBig      = 1009
)

// Reasons name OnClose causes for metrics, in Stats.Closed order.
const (
	ReasonEOF              = "eof" // the peer closed normally (close frame 1000/1001 or TCP EOF)
	ReasonIdle             = "idle"
	ReasonHandshakeTimeout = "handshake_timeout"
	ReasonSlowReader       = "slow_reader"
	ReasonBadFrame         = "bad_frame"
	ReasonText             = "text"
	ReasonOversize         = "oversize"
	ReasonProtocol         = "protocol"
	ReasonShutdown         = "shutdown"
	ReasonClosed           = "closed"      // Conn.Close
	ReasonPeerClosed       = "peer_closed" // a peer close frame with another code
	ReasonError            = "error"       // a socket error such as a reset
)

var reasonNames = [...]string{ReasonEOF, ReasonIdle, ReasonHandshakeTimeout, ReasonSlowReader,
	ReasonBadFrame, ReasonText, ReasonOversize, ReasonProtocol, ReasonShutdown, ReasonClosed,
	ReasonPeerClosed, ReasonError}

var reasonErrs = [...]error{io.EOF, ErrIdle, ErrHandshakeTimeout, ErrSlowReader, ErrBadFrame,
	ErrTextMessage, ErrOversize, ErrProtocol, ErrShutdown}

// Reasons lists every Reason name, for metrics labelled by reason.
func Reasons() []string { return append([]string(nil), reasonNames[:]...) }

// Reason names the cause OnClose received, one of the Reason constants.
func Reason(err error) string { return reasonNames[reasonIndex(err)] }

func reasonIndex(err error) int {
	for i, e := range reasonErrs {
		if errors.Is(err, e) {
			return i
		}
	}
	var ce *CloseError
	switch {
	case errors.As(err, &ce) && ce.ByPeer:
		return 10
	case errors.As(err, &ce):
		return 9
	}
	return 11
}

// wsProtocolErrs are nbio's errors for a peer breaking RFC 6455.
var wsProtocolErrs = []error{websocket.ErrReserveBitSet, websocket.ErrReservedMessageType,
	websocket.ErrControlMessageFragmented, websocket.ErrFragmentsShouldNotHaveBinaryOrTextMessage,
	websocket.ErrInvalidCloseCode, websocket.ErrInvalidUtf8, websocket.ErrInvalidFragmentMessage,
	websocket.ErrControlMessageTooBig, nbhttp.ErrTooLong}

// causeOf maps the error nbio closed a connection with to one of ours.
func causeOf(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return io.EOF
	}
	if errors.Is(err, nbio.ErrOverflow) {
		return ErrSlowReader
	}
	if errors.Is(err, websocket.ErrMessageTooLarge) {
		return ErrOversize
	}
	for _, e := range wsProtocolErrs {
		if errors.Is(err, e) {
			return fmt.Errorf("%w: %w", ErrProtocol, err)
		}
	}
	var pce *websocket.CloseError
	var vce websocket.CloseError // nbio sets a pointer; accept the value too
	switch {
	case errors.As(err, &pce):
		vce = *pce
	case !errors.As(err, &vce):
		return err
	}
	if vce.Code == CloseNormal || vce.Code == CloseGoingAway {
		return io.EOF
	}
	return &CloseError{Code: vce.Code, Reason: vce.Reason, ByPeer: true}
}
