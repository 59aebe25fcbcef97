// Package top is the TOP API protocol shared by the gateway, the SDK and the
// load generator: parameters, signing, timestamps, error codes and envelopes,
// and batch framing.
package top

import (
	"fmt"
	"strings"
)

// Platform error codes.
const (
	CodeUploadFail              = 3
	CodeUserCallLimited         = 4
	CodeSessionCallLimited      = 5
	CodePartnerCallLimited      = 6
	CodeAppCallLimited          = 7
	CodeAppCallExceedsFrequency = 8
	CodeHTTPActionNotAllowed    = 9
	CodeServiceUnavailable      = 10
	CodeInsufficientISVPerm     = 11
	CodeInsufficientUserPerm    = 12
	CodeInsufficientPartnerPerm = 13
	CodeRemoteServiceError      = 15
	CodeMissingMethod           = 21
	CodeInvalidMethod           = 22
	CodeInvalidFormat           = 23
	CodeMissingSignature        = 24
	CodeInvalidSignature        = 25
	CodeMissingSession          = 26
	CodeInvalidSession          = 27
	CodeMissingAppKey           = 28
	CodeInvalidAppKey           = 29
	CodeMissingTimestamp        = 30
	CodeInvalidTimestamp        = 31
	CodeMissingVersion          = 32
	CodeInvalidVersion          = 33
	CodeUnsupportedVersion      = 34
	CodeMissingRequiredArgs     = 40
	CodeInvalidArguments        = 41
	CodeForbiddenRequest        = 42
	CodeParameterError          = 43
)

var messages = map[int]string{
	CodeUploadFail:              "Upload Fail",
	CodeUserCallLimited:         "User Call Limited",
	CodeSessionCallLimited:      "Session Call Limited",
	CodePartnerCallLimited:      "Partner Call Limited",
	CodeAppCallLimited:          "App Call Limited",
	CodeAppCallExceedsFrequency: "App Call Exceeds Limited Frequency",
	CodeHTTPActionNotAllowed:    "Http Action Not Allowed",
	CodeServiceUnavailable:      "Service Currently Unavailable",
	CodeInsufficientISVPerm:     "Insufficient ISV Permissions",
	CodeInsufficientUserPerm:    "Insufficient User Permissions",
	CodeInsufficientPartnerPerm: "Insufficient Partner Permissions",
	CodeRemoteServiceError:      "Remote Service Error",
	CodeMissingMethod:           "Missing Method",
	CodeInvalidMethod:           "Invalid Method",
	CodeInvalidFormat:           "Invalid Format",
	CodeMissingSignature:        "Missing Signature",
	CodeInvalidSignature:        "Invalid Signature",
	CodeMissingSession:          "Missing Session",
	CodeInvalidSession:          "Invalid Session",
	CodeMissingAppKey:           "Missing App Key",
	CodeInvalidAppKey:           "Invalid App Key",
	CodeMissingTimestamp:        "Missing Timestamp",
	CodeInvalidTimestamp:        "Invalid Timestamp",
	CodeMissingVersion:          "Missing Version",
	CodeInvalidVersion:          "Invalid Version",
	CodeUnsupportedVersion:      "Unsupported Version",
	CodeMissingRequiredArgs:     "Missing Required Arguments",
	CodeInvalidArguments:        "Invalid Arguments",
	CodeForbiddenRequest:        "Forbidden Request",
	CodeParameterError:          "Parameter Error",
}

// Flow-control sub-codes under code 7.
const (
	SubAppAccessCount    = "accesscontrol.limited-by-app-access-count"
	SubAPIAccessCount    = "accesscontrol.limited-by-api-access-count"
	SubAppAPIAccessCount = "accesscontrol.limited-by-app-api-access-count"
)

// Error is a TOP error response. SubCode starting with "isv." is the
// caller's fault; "isp." is the platform's and may be retried.
type Error struct {
	Code    int    `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

// Message returns the platform message of a code ("" when unknown).
func Message(code int) string { return messages[code] }

// NewError returns the error for code with the platform message.
func NewError(code int, subCode, subMsg string) *Error {
	return &Error{Code: code, Msg: messages[code], SubCode: subCode, SubMsg: subMsg}
}

// Errorf returns the error for code with a formatted sub-message.
func Errorf(code int, subCode, format string, args ...any) *Error {
	return NewError(code, subCode, fmt.Sprintf(format, args...))
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "top error %d %s", e.Code, e.Msg)
	if e.SubCode != "" {
		b.WriteString(" (" + e.SubCode)
		if e.SubMsg != "" {
			b.WriteString(": " + e.SubMsg)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Retryable reports whether the platform, not the caller, failed: an isp.*
// sub-code or service unavailable. Flow-control rejections are not retryable
// until their ban ends.
func (e *Error) Retryable() bool {
	return e.Code == CodeServiceUnavailable || strings.HasPrefix(e.SubCode, "isp.")
}
