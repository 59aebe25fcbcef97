package top

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// ResponseName is the success wrapper of a method: the name without its
// first segment, dots as underscores, plus _response
// (taobao.trade.fullinfo.get -> trade_fullinfo_get_response).
func ResponseName(method string) string {
	if _, rest, ok := strings.Cut(method, "."); ok {
		method = rest
	}
	return strings.ReplaceAll(method, ".", "_") + "_response"
}

const xmlHeader = `<?xml version="1.0" encoding="utf-8" ?>`

// ErrNotObject is returned when a success body is not a JSON object.
var ErrNotObject = errors.New("top: response body is not a JSON object")

// AppendSuccess appends the success envelope of method around body, the JSON
// object of the API's result fields, adding request_id.
func AppendSuccess(dst []byte, f Format, simplify bool, method string, body []byte, requestID string) ([]byte, error) {
	inner, ok := objectInner(body)
	if !ok {
		return dst, ErrNotObject
	}
	name := ResponseName(method)
	if f == FormatXML {
		dst = append(dst, xmlHeader...)
		dst = append(dst, '<')
		dst = append(dst, name...)
		dst = append(dst, '>')
		var err error
		if dst, err = appendXMLFields(dst, inner); err != nil {
			return dst, err
		}
		dst = appendXMLElem(dst, "request_id", requestID)
		dst = append(dst, "</"...)
		dst = append(dst, name...)
		return append(dst, '>'), nil
	}
	if !simplify {
		dst = append(dst, `{"`...)
		dst = append(dst, name...)
		dst = append(dst, `":`...)
	}
	dst = append(dst, '{')
	dst = append(dst, inner...)
	if len(inner) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"request_id":`...)
	dst = strconv.AppendQuote(dst, requestID)
	dst = append(dst, '}')
	if !simplify {
		dst = append(dst, '}')
	}
	return dst, nil
}

// AppendError appends the error_response envelope.
func AppendError(dst []byte, f Format, e *Error, requestID string) []byte {
	if f == FormatXML {
		dst = append(dst, xmlHeader...)
		dst = append(dst, "<error_response>"...)
		dst = appendXMLElem(dst, "code", strconv.Itoa(e.Code))
		dst = appendXMLElem(dst, "msg", e.Msg)
		if e.SubCode != "" {
			dst = appendXMLElem(dst, "sub_code", e.SubCode)
		}
		if e.SubMsg != "" {
			dst = appendXMLElem(dst, "sub_msg", e.SubMsg)
		}
		dst = appendXMLElem(dst, "request_id", requestID)
		return append(dst, "</error_response>"...)
	}
	dst = append(dst, `{"error_response":{"code":`...)
	dst = strconv.AppendInt(dst, int64(e.Code), 10)
	dst = append(dst, `,"msg":`...)
	dst = appendJSONString(dst, e.Msg)
	if e.SubCode != "" {
		dst = append(dst, `,"sub_code":`...)
		dst = appendJSONString(dst, e.SubCode)
	}
	if e.SubMsg != "" {
		dst = append(dst, `,"sub_msg":`...)
		dst = appendJSONString(dst, e.SubMsg)
	}
	dst = append(dst, `,"request_id":`...)
	dst = appendJSONString(dst, requestID)
	return append(dst, "}}"...)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // never fails for a string
			return append(dst, b...)
		}
	}
	// Printable ASCII that needs no escape (request ids, API names): as is.
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// objectInner returns what lies between the braces of a JSON object.
func objectInner(body []byte) ([]byte, bool) {
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' || !json.Valid(body) {
		return nil, false
	}
	return bytes.TrimSpace(body[1 : len(body)-1]), true
}

// Response is a decoded JSON response: the payload of the success wrapper, or an error.
type Response struct {
	Name      string          // wrapper name, e.g. trade_fullinfo_get_response
	Payload   json.RawMessage // the wrapper's object, request_id included
	Err       *Error          // set for error_response
	RequestID string
}

// DecodeJSON decodes a non-simplified JSON response.
func DecodeJSON(body []byte) (Response, error) {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		return Response{}, err
	}
	if len(outer) != 1 {
		return Response{}, errors.New("top: response has no single wrapper object")
	}
	var r Response
	for name, payload := range outer {
		r.Name, r.Payload = name, payload
	}
	if r.Name != "error_response" {
		// Only request_id is read: a result may have its own code or msg fields of any type.
		var id struct {
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(r.Payload, &id); err != nil {
			return Response{}, err
		}
		r.RequestID = id.RequestID
		return r, nil
	}
	var e struct {
		Error
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(r.Payload, &e); err != nil {
		return Response{}, err
	}
	r.RequestID, r.Err = e.RequestID, &e.Error
	return r, nil
}
