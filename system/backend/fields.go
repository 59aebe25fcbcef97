package backend

import (
	"reflect"
	"strings"
)

// fieldSet is a parsed fields parameter: the names a caller asked for that
// the object type knows. Lookups are linear: a request names a few dozen
// fields at most, and a slice costs no map allocation per request.
type fieldSet []string

// maxFields bounds how many names a fields parameter may carry.
const maxFields = 256

// parseFields reads a comma list, trimming spaces and dropping duplicates and
// names not in known (the gateway already trimmed the list to the app's field
// level; unknown names are ignored as the platform does). ok is false when
// nothing known remains or the list is too long.
func parseFields(s string, known fieldSet) (fs fieldSet, ok bool) {
	n := 0
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ",")
		if n++; n > maxFields {
			return nil, false
		}
		name = strings.TrimSpace(name)
		if name == "" || !known.has(name) || fs.has(name) {
			continue
		}
		fs = append(fs, name)
	}
	return fs, len(fs) > 0
}

func (fs fieldSet) has(name string) bool {
	for _, f := range fs {
		if f == name {
			return true
		}
	}
	return false
}

// jsonFieldNames lists the JSON member names of a struct, flattening
// embedded structs as encoding/json does.
func jsonFieldNames(v any) fieldSet {
	var out fieldSet
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out = append(out, name)
		}
	}
	walk(reflect.TypeOf(v))
	return out
}

// trimObject appends to dst the JSON object doc keeping only the members
// named in fs, in doc's order. doc must be a valid JSON object (the stored
// documents are produced by encoding/json); keys are compared verbatim, so
// keys with escapes never match, which no document of ours has.
func trimObject(dst, doc []byte, fs fieldSet) []byte {
	dst = append(dst, '{')
	first := true
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return append(dst, '}')
	}
	i++
	for {
		i = skipSpace(doc, i)
		if i >= len(doc) || doc[i] != '"' {
			break // '}' or malformed: stop
		}
		keyStart := i
		i = skipString(doc, i)
		key := doc[keyStart+1 : max(keyStart+1, i-1)]
		i = skipSpace(doc, i)
		if i >= len(doc) || doc[i] != ':' {
			break
		}
		i = skipSpace(doc, i+1)
		valStart := i
		i = skipValue(doc, i)
		if fs.has(string(key)) { // no allocation: the conversion is only compared
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, doc[keyStart:valStart]...)
			dst = append(dst, doc[valStart:i]...)
		}
		i = skipSpace(doc, i)
		if i < len(doc) && doc[i] == ',' {
			i++
		}
	}
	return append(dst, '}')
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
			i++
		}
		return i
	}
}
