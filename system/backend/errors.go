package backend

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/toplab/toplab/system/top"
)

// Errors of the trade centre's Go API; the HTTP layers map them to statuses.
var (
	ErrTradeNotFound     = errors.New("trade not found")
	ErrTradeExists       = errors.New("trade already exists")
	ErrInvalidTransition = errors.New("invalid transition")
	ErrInvalidInput      = errors.New("invalid input")
	ErrClosed            = errors.New("backend closed")
)

// statusError is a top.Error with the HTTP status it is served with.
type statusError struct {
	status int
	err    *top.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func withStatus(status int, e *top.Error) error { return &statusError{status, e} }

func missingParam(name string) error {
	return top.Errorf(top.CodeMissingRequiredArgs, "isv.missing-parameter:"+name, "parameter %s is required", name)
}

func invalidParam(name, format string, args ...any) error {
	return top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:"+name, format, args...)
}

// errTradeNotExist is what the platform answers for an unknown tid and for a
// tid the caller does not own alike, so one cannot probe others' orders.
func errTradeNotExist() error {
	return top.NewError(top.CodeRemoteServiceError, "isv.trade-not-exist", "the trade does not exist")
}

// errNeedsUser is the answer when the identity header is missing: the
// gateway only routes such APIs with an authorised session.
func errNeedsUser() error {
	return withStatus(http.StatusUnauthorized, top.NewError(top.CodeMissingSession, "isv.missing-session", "the api needs an authorised user ("+HeaderUserNick+")"))
}

// errorResponse maps any error to the top.Error and HTTP status served for it:
// 404 for an unknown method or object, 401 for a missing user, 4xx for the
// other isv.* errors, 504 when the request ended first, and 500 with an isp.*
// code for everything else (the cause is logged, not served).
func errorResponse(err error) (int, *top.Error, bool) {
	var se *statusError
	if errors.As(err, &se) {
		return se.status, se.err, false
	}
	var te *top.Error
	if errors.As(err, &te) {
		switch {
		case te.Code == top.CodeInvalidMethod || strings.HasSuffix(te.SubCode, "-not-exist"):
			return http.StatusNotFound, te, false
		case te.Code == top.CodeServiceUnavailable:
			return http.StatusServiceUnavailable, te, false
		case strings.HasPrefix(te.SubCode, "isp."):
			return http.StatusInternalServerError, te, false
		}
		return http.StatusBadRequest, te, false
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, top.NewError(top.CodeRemoteServiceError, "isp.remote-service-timeout", "the request ended before the backend answered"), false
	case errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable, top.NewError(top.CodeServiceUnavailable, "isp.service-unavailable", "the backend is shutting down"), false
	}
	return http.StatusInternalServerError, top.NewError(top.CodeRemoteServiceError, "isp.remote-service-error", "the backend failed"), true
}
