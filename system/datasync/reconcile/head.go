package reconcile

import (
	"bytes"
	"time"
	"unicode/utf8"

	"github.com/toplab/toplab/system/top"
)

// head is what the comparison needs of a platform order. Decoding a whole
// trade object (sellerdb.ParseDoc) costs most of a window's time; the head is
// read by a scan of the object's top level, and only the orders that need a
// repair are decoded in full.
type head struct {
	tid      int64
	modified int64 // Unix seconds
	seller   []byte
}

// readHead scans raw, a JSON object, for tid, modified and seller_nick at
// its top level. ok is false for anything it might read differently from
// encoding/json (escaped, repeated or differently cased keys, values of
// another form, malformed structure); the caller then decodes the object in
// full. The fast path only finds the orders that are equal: every order
// that is written is decoded and validated by sellerdb.ParseDoc first.
func readHead(raw []byte) (h head, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return h, false
	}
	var seen [3]bool // tid, modified, seller_nick
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return h, false
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return h, false
		}
		end, plain := scanString(raw, i)
		if end < 0 || !plain {
			return h, false // escaped keys: leave them to encoding/json
		}
		key := raw[i+1 : end-1]
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return h, false
		}
		i = skipSpace(raw, i+1)
		field := -1
		switch {
		case string(key) == "tid":
			field = 0
		case string(key) == "modified":
			field = 1
		case string(key) == "seller_nick":
			field = 2
		case foldsToField(key):
			return h, false // encoding/json matches keys case-insensitively
		}
		if field >= 0 {
			if seen[field] {
				return h, false
			}
			seen[field] = true
		}
		var vend int
		switch field {
		case 0:
			vend = scanDigits(raw, i)
			if vend < 0 || vend-i > 18 || raw[i] == '0' {
				return h, false
			}
			for _, c := range raw[i:vend] {
				h.tid = h.tid*10 + int64(c-'0')
			}
		case 1, 2:
			var plainValue bool
			vend, plainValue = scanString(raw, i)
			if vend < 0 || !plainValue {
				return h, false
			}
			s := raw[i+1 : vend-1]
			if field == 2 {
				if !utf8.Valid(s) {
					return h, false // encoding/json would replace the bad bytes
				}
				h.seller = s
				break
			}
			if len(s) != len(top.TimestampLayout) {
				return h, false
			}
			t, err := time.ParseInLocation(top.TimestampLayout, string(s), top.GMT8)
			if err != nil || t.Year() < 1970 || t.Year() > 9999 {
				return h, false
			}
			h.modified = t.Unix()
		default:
			vend = skipValue(raw, i)
			if vend < 0 {
				return h, false
			}
		}
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return h, false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			if skipSpace(raw, i+1) != len(raw) || !seen[0] || !seen[1] || !seen[2] || len(h.seller) == 0 {
				return h, false
			}
			return h, true
		default:
			return h, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index after the string starting at b[i] == '"',
// or -1; plain is false when it holds an escape or a control character.
func scanString(b []byte, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, plain
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			return -1, false
		}
	}
	return -1, false
}

// scanDigits returns the index after a run of at least one digit at b[i],
// or -1 when the number there is not a plain non-negative integer.
func scanDigits(b []byte, i int) int {
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i || j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return -1
	}
	return j
}

// skipValue returns the index after the JSON value at b[i], or -1. It checks
// structure, not every detail: the object is decoded in full before it is
// ever stored.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := scanString(b, i)
		return end
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := scanString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // number, true, false, null
		j := i
		for j < len(b) && literalByte[b[j]] {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// literalByte marks the bytes of numbers and of true, false and null.
var literalByte = func() (t [256]bool) {
	for _, c := range []byte("+-.0123456789eEtruefalsn") {
		t[c] = true
	}
	return t
}()

// foldsToField reports whether key matches one of the head's keys when case
// is ignored (the exact matches were handled before).
func foldsToField(key []byte) bool {
	switch len(key) {
	case 3:
		return bytes.EqualFold(key, []byte("tid"))
	case 8:
		return bytes.EqualFold(key, []byte("modified"))
	case 11:
		return bytes.EqualFold(key, []byte("seller_nick"))
	}
	return false
}
