package toptarget

import (
	"bytes"

	"github.com/toplab/toplab/system/top"
)

// answer is what one TOP response (or batch part) says.
type answer uint8

const (
	answerGarbled answer = iota // no TOP envelope
	answerSuccess               // a <name>_response wrapper
	answerError                 // error_response with a code
)

const errorWrapper = "error_response"

// parseEnvelope reads the outer wrapper of a JSON or XML TOP response and,
// for an error, its code. It reads the envelope, not the payload: a success
// is a wrapper named *_response holding an object or element. The fast path
// reads the layout the gateway writes without allocating; an error envelope
// in another layout falls back to a full JSON decode.
func parseEnvelope(b []byte) (answer, int) {
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == '{' {
		return parseJSONEnvelope(b, i+1)
	}
	return parseXMLEnvelope(b, i)
}

func parseJSONEnvelope(b []byte, i int) (answer, int) {
	key, i, ok := jsonKey(b, i)
	if !ok {
		return answerGarbled, 0
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != '{' {
		return answerGarbled, 0
	}
	if string(key) != errorWrapper {
		if bytes.HasSuffix(key, []byte("_response")) && len(key) > len("_response") {
			return answerSuccess, 0
		}
		return answerGarbled, 0
	}
	if name, j, ok := jsonKey(b, i+1); ok && string(name) == "code" {
		if code, _, ok := digits(b, skipSpace(b, j)); ok {
			return answerError, code
		}
	}
	r, err := top.DecodeJSON(b) // another layout: decode it properly
	if err != nil || r.Err == nil || r.Err.Code <= 0 {
		return answerGarbled, 0
	}
	return answerError, r.Err.Code
}

// jsonKey reads `"key" :` from i (spaces allowed) and returns the key and
// the index after the colon. Keys with escapes are not TOP wrappers.
func jsonKey(b []byte, i int) ([]byte, int, bool) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	end := bytes.IndexByte(b[i+1:], '"')
	if end < 0 {
		return nil, 0, false
	}
	key := b[i+1 : i+1+end]
	if bytes.IndexByte(key, '\\') >= 0 {
		return nil, 0, false
	}
	i = skipSpace(b, i+end+2)
	if i >= len(b) || b[i] != ':' {
		return nil, 0, false
	}
	return key, i + 1, true
}

func parseXMLEnvelope(b []byte, i int) (answer, int) {
	if bytes.HasPrefix(b[i:], []byte("<?")) {
		end := bytes.Index(b[i:], []byte("?>"))
		if end < 0 {
			return answerGarbled, 0
		}
		i = skipSpace(b, i+end+2)
	}
	if i >= len(b) || b[i] != '<' {
		return answerGarbled, 0
	}
	end := bytes.IndexByte(b[i:], '>')
	if end < 0 {
		return answerGarbled, 0
	}
	name := b[i+1 : i+end]
	i += end + 1
	switch {
	case string(name) == errorWrapper:
		j := bytes.Index(b[i:], []byte("<code>"))
		if j < 0 {
			return answerGarbled, 0
		}
		code, next, ok := digits(b, i+j+len("<code>"))
		if !ok || !bytes.HasPrefix(b[next:], []byte("</code>")) {
			return answerGarbled, 0
		}
		return answerError, code
	case len(name) > len("_response") && bytes.HasSuffix(name, []byte("_response")) && validXMLName(name):
		return answerSuccess, 0
	}
	return answerGarbled, 0
}

// validXMLName accepts the element names the gateway writes.
func validXMLName(n []byte) bool {
	for _, c := range n {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// digits reads a positive decimal of at most 9 digits at i, without a
// leading zero, and returns it and the index after it.
func digits(b []byte, i int) (n, next int, ok bool) {
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i-start == 9 {
			return 0, 0, false
		}
		n = n*10 + int(b[i]-'0')
	}
	if i == start || b[start] == '0' {
		return 0, 0, false
	}
	return n, i, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
