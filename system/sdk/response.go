package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/toplab/toplab/system/top"
)

// ErrBadResponse marks a response body that is not a TOP JSON envelope: not
// JSON, truncated, the wrong wrapper, or a batch with the wrong item count.
var ErrBadResponse = errors.New("sdk: malformed response")

func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadResponse, fmt.Sprintf(format, args...))
}

// decodeResponse turns one JSON response to method into the payload object
// of its success wrapper, or the platform's *top.Error. In simplified mode
// the payload is the body itself; a wrapped body is accepted too.
func decodeResponse(body []byte, method string, simplify bool) (json.RawMessage, error) {
	r, err := top.DecodeJSON(body)
	if err == nil && r.Name == "error_response" {
		if r.Err.Code == 0 {
			return nil, badResponse("error_response without a code: %s", snippet(body))
		}
		return nil, r.Err
	}
	if err == nil && r.Name == top.ResponseName(method) {
		if !isObject(r.Payload) {
			return nil, badResponse("%s is not an object: %s", r.Name, snippet(r.Payload))
		}
		return r.Payload, nil
	}
	if simplify && isObject(body) && json.Valid(body) {
		return bytes.Clone(bytes.TrimSpace(body)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %s", ErrBadResponse, err, snippet(body))
	}
	return nil, badResponse("wrapper %q, want %q", r.Name, top.ResponseName(method))
}

// isObject reports whether b looks like a JSON object (validity is checked by
// whoever parsed it).
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}'
}

// snippet quotes the start of a body for an error message.
func snippet(b []byte) string {
	const max = 96
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}
