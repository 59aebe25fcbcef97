package toptarget

import (
	"strconv"
	"strings"
)

// expectation is what a hit must be answered with. It travels in the
// target URL's fragment, which the HTTP client never sends but vegeta
// copies into Result.URL, so the classifier reads it back without any
// shared state and the gateway sees an ordinary request:
//
//	(no fragment)                 one call, expected to succeed
//	#expect=25                    one call, expected to fail with code 25
//	#batch=20                     a batch of 20 calls, each expected to succeed
//	#batch=20&expect=25           a batch refused as a whole with code 25
//	#batch=20&item=3&expect=22    item 3 (0-based) fails with 22, the rest succeed
type expectation struct {
	calls int  // calls in the request: 1, or the batch size
	batch bool // sent to /router/batch
	code  int  // the expected error code, 0 for success
	item  int  // the item the code applies to; -1 for the whole request
}

// maxFragmentNumber bounds the numbers a fragment may carry.
const maxFragmentNumber = 1 << 20

// fragment renders e (with its leading #), "" for a plain successful call.
func (e expectation) fragment() string {
	var b strings.Builder
	if e.batch {
		b.WriteString("batch=")
		b.WriteString(strconv.Itoa(e.calls))
		if e.code != 0 && e.item >= 0 {
			b.WriteString("&item=")
			b.WriteString(strconv.Itoa(e.item))
		}
	}
	if e.code != 0 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString("expect=")
		b.WriteString(strconv.Itoa(e.code))
	}
	if b.Len() == 0 {
		return ""
	}
	return "#" + b.String()
}

// parseExpectation reads the expectation from a target URL; false means a
// fragment the targeter did not write. It does not allocate.
func parseExpectation(u string) (expectation, bool) {
	e := expectation{calls: 1, item: -1}
	i := strings.LastIndexByte(u, '#')
	if i < 0 {
		return e, true
	}
	hasItem := false
	for rest := u[i+1:]; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		key, val, _ := strings.Cut(pair, "=")
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 || n > maxFragmentNumber {
			return e, false
		}
		switch key {
		case "batch":
			if e.batch || n < 1 {
				return e, false
			}
			e.batch, e.calls = true, n
		case "expect":
			if e.code != 0 || n < 1 {
				return e, false
			}
			e.code = n
		case "item":
			if hasItem {
				return e, false
			}
			hasItem, e.item = true, n
		default:
			return e, false
		}
	}
	if hasItem && (!e.batch || e.code == 0 || e.item >= e.calls) {
		return e, false
	}
	return e, true
}

// want is the code part i of a response to e must carry (0: success).
func (e expectation) want(i int) int {
	if e.item < 0 || e.item == i {
		return e.code
	}
	return 0
}
