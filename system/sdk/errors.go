package sdk

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/top"
)

// TransportError is a failed exchange with the gateway: no response, or a
// response cut short. Sent is false when the request was never completely
// written, so the gateway cannot have acted on it.
type TransportError struct {
	Sent bool
	Err  error
}

func (e *TransportError) Error() string {
	if e.Sent {
		return "sdk: transport (request sent, no complete response): " + e.Err.Error()
	}
	return "sdk: transport (request not sent): " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// StatusError is an HTTP failure status whose body is not a TOP envelope,
// typically from a proxy or load balancer in front of the gateway.
type StatusError struct {
	StatusCode int
	Body       string // the start of the body, quoted
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sdk: http status %d: %s", e.StatusCode, e.Body)
}

// BanDuration returns how long a flow-control rejection (code 7 and the
// other call-limit codes) bans the caller, read from the platform's "This ban
// will last for N more seconds" message.
func BanDuration(err error) (time.Duration, bool) {
	var te *top.Error
	if !errors.As(err, &te) {
		return 0, false
	}
	switch te.Code {
	case top.CodeUserCallLimited, top.CodeSessionCallLimited, top.CodePartnerCallLimited,
		top.CodeAppCallLimited, top.CodeAppCallExceedsFrequency:
	default:
		return 0, false
	}
	for _, msg := range []string{te.SubMsg, te.Msg} {
		if n, ok := banSeconds(msg); ok {
			return time.Duration(n) * time.Second, true
		}
	}
	return 0, false
}

// banSeconds reads N from "... ban will last for N more seconds".
func banSeconds(msg string) (int, bool) {
	const marker = "ban will last for "
	i := strings.Index(msg, marker)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(marker):]
	digits, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
