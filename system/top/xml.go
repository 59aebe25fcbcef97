package top

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
)

// appendXMLFields renders the fields of a JSON object (its inner text) as XML
// elements: an object becomes nested elements, an array repeats its key's
// element once per item (TOP's list style), null is left out.
func appendXMLFields(dst, inner []byte) ([]byte, error) {
	dec := json.NewDecoder(io.MultiReader(bytes.NewReader([]byte{'{'}), bytes.NewReader(inner), bytes.NewReader([]byte{'}'})))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return dst, err
	}
	return appendXMLObject(dst, dec)
}

// appendXMLObject renders key/value pairs until the closing brace.
func appendXMLObject(dst []byte, dec *json.Decoder) ([]byte, error) {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return dst, err
		}
		key, ok := tok.(string)
		if !ok {
			return dst, fmt.Errorf("top: unexpected %v where a key belongs", tok)
		}
		if dst, err = appendXMLValue(dst, dec, xmlName(key)); err != nil {
			return dst, err
		}
	}
	_, err := dec.Token() // }
	return dst, err
}

func appendXMLValue(dst []byte, dec *json.Decoder, name string) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return dst, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			for dec.More() {
				if dst, err = appendXMLValue(dst, dec, name); err != nil {
					return dst, err
				}
			}
			_, err = dec.Token() // ]
			return dst, err
		}
		dst = append(dst, '<')
		dst = append(dst, name...)
		dst = append(dst, '>')
		if dst, err = appendXMLObject(dst, dec); err != nil {
			return dst, err
		}
		dst = append(dst, "</"...)
		dst = append(dst, name...)
		return append(dst, '>'), nil
	case nil:
		return dst, nil
	case string:
		return appendXMLElem(dst, name, v), nil
	case json.Number:
		return appendXMLElem(dst, name, v.String()), nil
	case bool:
		return appendXMLElem(dst, name, fmt.Sprint(v)), nil
	}
	return dst, fmt.Errorf("top: unexpected JSON token %v", tok)
}

func appendXMLElem(dst []byte, name, text string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, '>')
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(text))
	dst = append(dst, b.Bytes()...)
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

// xmlName makes a JSON key a safe XML element name.
func xmlName(key string) string {
	ok := key != ""
	for i := 0; i < len(key) && ok; i++ {
		c := key[i]
		ok = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'))
	}
	if ok {
		return key
	}
	b := []byte("_")
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}
