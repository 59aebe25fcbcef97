package top

import (
	"bytes"
	"strconv"
	"strings"
)

// Batch framing (/router/batch): system parameters in the query string; the
// body holds an optional #PUBLIC# item of shared parameters, then one
// url-encoded parameter list per sub-call, joined by the separator.
const (
	DefaultSeparator = "\r\n-S-\r\n"
	SeparatorHeader  = "top-api-separator"
	PublicMarker     = "#PUBLIC#"
	EmptyItem        = "N" // a sub-call with no parameters
	maxSeparatorLen  = 64
)

// Batch is a parsed batch body.
type Batch struct {
	Public Params
	Items  []Params
}

// CheckSeparator validates a separator from the top-api-separator header; an
// empty header means the default.
func CheckSeparator(sep string) (string, *Error) {
	if sep == "" {
		return DefaultSeparator, nil
	}
	if len(sep) > maxSeparatorLen || strings.ContainsAny(sep, "&=") {
		return "", Errorf(CodeParameterError, "isv.invalid-separator", "separator must be 1 to %d bytes without & or =", maxSeparatorLen)
	}
	return sep, nil
}

// ParseBatch splits body into its public parameters and items. More than
// maxItems items, an empty batch or a malformed item is an error.
func ParseBatch(body []byte, sep string, maxItems int, lim Limits) (*Batch, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf(CodeMissingRequiredArgs, "isv.batch-empty", "the batch holds no items")
	}
	b := &Batch{}
	rest := body
	first := true
	for len(rest) > 0 || first {
		var item []byte
		if i := bytes.Index(rest, []byte(sep)); i >= 0 {
			item, rest = rest[:i], rest[i+len(sep):]
			if len(rest) == 0 {
				rest = nil // a trailing separator ends the list
			}
		} else {
			item, rest = rest, nil
		}
		text := string(item)
		if first && strings.HasPrefix(text, PublicMarker) {
			first = false
			if err := b.Public.ParseForm(text[len(PublicMarker):], lim); err != nil {
				err.SubMsg = "#PUBLIC#: " + err.SubMsg
				return nil, err
			}
			continue
		}
		first = false
		if len(b.Items) == maxItems {
			return nil, Errorf(CodeParameterError, "isv.batch-too-many-items", "a batch holds at most %d items", maxItems)
		}
		var p Params
		if text != EmptyItem && text != "" {
			if err := p.ParseForm(text, lim); err != nil {
				err.SubMsg = "item " + strconv.Itoa(len(b.Items)) + ": " + err.SubMsg
				return nil, err
			}
		}
		b.Items = append(b.Items, p)
	}
	if len(b.Items) == 0 {
		return nil, Errorf(CodeMissingRequiredArgs, "isv.batch-empty", "the batch holds no items")
	}
	return b, nil
}

// Merged returns item i's parameters over the public ones: an item's own
// value (a per-item session, say) wins.
func (b *Batch) Merged(i int) *Params {
	m := b.Public.Clone()
	for _, kv := range b.Items[i].list {
		m.Set(kv.Name, kv.Value)
	}
	return m
}

// EncodeBatch writes a batch body; a nil or empty public list is left out.
func EncodeBatch(public *Params, items []*Params, sep string) []byte {
	var buf bytes.Buffer
	if public != nil && public.Len() > 0 {
		buf.WriteString(PublicMarker)
		buf.WriteString(public.Encode())
		buf.WriteString(sep)
	}
	for i, it := range items {
		if i > 0 {
			buf.WriteString(sep)
		}
		if it == nil || it.Len() == 0 {
			buf.WriteString(EmptyItem)
			continue
		}
		buf.WriteString(it.Encode())
	}
	return buf.Bytes()
}

// AppendBatchResponse joins sub-responses in request order.
func AppendBatchResponse(dst []byte, sep string, parts [][]byte) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = append(dst, p...)
	}
	return dst
}

// SplitBatchResponse splits a batch response into its sub-responses.
func SplitBatchResponse(body []byte, sep string) [][]byte {
	return bytes.Split(body, []byte(sep))
}
