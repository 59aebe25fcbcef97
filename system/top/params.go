package top

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Param is one request parameter.
type Param struct {
	Name, Value string
}

// Params are a request's parameters, unique by name and kept sorted in ASCII
// order, the order signing needs.
type Params struct {
	list []Param
}

// Limits bound what a parameter list may hold.
type Limits struct {
	MaxParams    int // default 128
	MaxNameBytes int // default 64
}

func (l Limits) maxParams() int    { return cmpDefault(l.MaxParams, 128) }
func (l Limits) maxNameBytes() int { return cmpDefault(l.MaxNameBytes, 64) }

func cmpDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Len returns the number of parameters.
func (p *Params) Len() int { return len(p.list) }

// List returns the parameters in name order; the slice must not be modified.
func (p *Params) List() []Param { return p.list }

func (p *Params) find(name string) (int, bool) {
	return slices.BinarySearchFunc(p.list, name, func(e Param, n string) int { return strings.Compare(e.Name, n) })
}

// Get returns the value of name, or "".
func (p *Params) Get(name string) string {
	if i, ok := p.find(name); ok {
		return p.list[i].Value
	}
	return ""
}

// Has reports whether name is present.
func (p *Params) Has(name string) bool {
	_, ok := p.find(name)
	return ok
}

// Set adds or replaces name.
func (p *Params) Set(name, value string) {
	i, ok := p.find(name)
	if ok {
		p.list[i].Value = value
		return
	}
	p.list = slices.Insert(p.list, i, Param{name, value})
}

// Del removes name.
func (p *Params) Del(name string) {
	if i, ok := p.find(name); ok {
		p.list = slices.Delete(p.list, i, i+1)
	}
}

// Reset empties p, keeping its storage.
func (p *Params) Reset() { p.list = p.list[:0] }

// Clone returns an independent copy.
func (p *Params) Clone() *Params { return &Params{list: slices.Clone(p.list)} }

// Encode returns the parameters url-encoded in name order.
func (p *Params) Encode() string {
	var b strings.Builder
	for i, kv := range p.list {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.Value))
	}
	return b.String()
}

// ParseForm adds the url-encoded parameters of s to p. A name given twice
// (here or already in p), a malformed escape, invalid UTF-8 or too many
// parameters is a code 43 error. Pairs with an empty name are ignored.
func (p *Params) ParseForm(s string, lim Limits) *Error {
	start := len(p.list)
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, ok := unescape(rawName)
		if !ok {
			return Errorf(CodeParameterError, "isv.malformed-parameter", "malformed escape in parameter name %q", truncate(rawName))
		}
		if name == "" {
			continue
		}
		value, ok := unescape(rawValue)
		if !ok {
			return Errorf(CodeParameterError, "isv.malformed-parameter", "malformed escape in parameter %s", truncate(name))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return Errorf(CodeParameterError, "isv.invalid-encoding", "parameter %s is not valid UTF-8", truncate(strings.ToValidUTF8(name, "?")))
		}
		if len(name) > lim.maxNameBytes() {
			return Errorf(CodeParameterError, "isv.invalid-parameter", "parameter name longer than %d bytes", lim.maxNameBytes())
		}
		if len(p.list) >= lim.maxParams() {
			return Errorf(CodeParameterError, "isv.too-many-parameters", "more than %d parameters", lim.maxParams())
		}
		p.list = append(p.list, Param{name, value})
	}
	if start == len(p.list) {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(p.list); i++ {
		if p.list[i].Name == p.list[i-1].Name {
			return Errorf(CodeParameterError, "isv.duplicate-parameter", "parameter %s given more than once", truncate(p.list[i].Name))
		}
	}
	return nil
}

// unescape decodes a form component; most components need no decoding and
// are returned without allocating.
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

// truncate keeps error messages short whatever the client sent.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "..."
}
