package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The decoder walks a yaml.Node tree into the scenario's Go types itself,
// rather than through yaml.v3's Decode, so that every problem is reported
// (not only the first), with its line, column and field path, and so that
// duplicate keys and unknown fields are errors wherever they appear.

// pos is a 1-based position in the file.
type pos struct{ line, col int }

func posOf(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// decoder collects problems and remembers where each field path was written:
// the validator reports against those positions, and a path that was never
// written is how a missing field is told from a zero one.
type decoder struct {
	file string
	errs *problems
	vals map[string]pos // value node of each decoded path
	keys map[string]pos // key node of each struct field or map entry
}

func newDecoder(file string, errs *problems) *decoder {
	return &decoder{file: file, errs: errs, vals: map[string]pos{}, keys: map[string]pos{}}
}

// nodeDecoder is implemented by types with their own YAML form (Rate, Shape).
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path string)
}

var durationType = reflect.TypeFor[time.Duration]()

func (d *decoder) errf(n *yaml.Node, path, format string, args ...any) {
	d.errs.add(Problem{File: d.file, Line: max(n.Line, 1), Col: max(n.Column, 1), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	if isNull(n) {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

// decode stores n into v, recording the path's position.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	d.vals[path] = posOf(n)
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		// Aliases would make one value appear under several paths (and a
		// recursive one never ends); scenarios are small enough to spell out.
		d.errf(n, path, "anchors and aliases are not supported")
		return
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			nd.decodeYAML(d, n, path)
			return
		}
	}
	if v.Type() == durationType {
		d.decodeDuration(n, path, v)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem())
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Map:
		d.decodeMap(n, path, v)
	case reflect.Slice:
		d.decodeSlice(n, path, v)
	default:
		d.decodeScalar(n, path, v)
	}
}

// yamlFields maps the yaml names of t's fields to their indexes, in order.
func yamlFields(t reflect.Type) (names []string, idx map[string]int) {
	idx = map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		idx[name] = i
	}
	return names, idx
}

// entries yields a mapping's key/value pairs whose keys are plain strings,
// reporting other keys and duplicates.
func (d *decoder) entries(n *yaml.Node, path string, yield func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" || k.Anchor != "" {
			d.errf(k, path, "keys must be plain strings, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.errf(k, field(path, k.Value), "merge keys (<<) are not supported")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errf(k, field(path, k.Value), "duplicate key (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		yield(k.Value, k, v)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "want a mapping, got %s", describe(n))
		return
	}
	names, idx := yamlFields(v.Type())
	d.entries(n, path, func(key string, k, val *yaml.Node) {
		fp := field(path, key)
		i, ok := idx[key]
		if !ok {
			d.errf(k, fp, "%s", unknownField(key, names))
			return
		}
		d.keys[fp] = posOf(k)
		d.decode(val, fp, v.Field(i))
	})
}

// unknownField says which fields are allowed, suggesting a near miss.
func unknownField(key string, names []string) string {
	if len(names) == 0 {
		return fmt.Sprintf("unknown field %q (it takes no fields)", key)
	}
	msg := fmt.Sprintf("unknown field %q (want %s)", key, strings.Join(names, ", "))
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	for _, name := range names {
		if norm(name) == norm(key) {
			return msg + fmt.Sprintf("; did you mean %q?", name)
		}
	}
	return msg
}

func (d *decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "want a mapping, got %s", describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	d.entries(n, path, func(key string, k, val *yaml.Node) {
		fp := field(path, key)
		d.keys[fp] = posOf(k)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, fp, elem)
		v.SetMapIndex(reflect.ValueOf(key), elem)
	})
}

func (d *decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, path, "want a list, got %s", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, index(path, i), out.Index(i))
	}
	v.Set(out)
}

// scalar returns n if it is a scalar with one of the tags, else reports.
func (d *decoder) scalar(n *yaml.Node, path, want string, tags ...string) bool {
	if n.Kind != yaml.ScalarNode {
		d.errf(n, path, "want %s, got %s", want, describe(n))
		return false
	}
	if !slices.Contains(tags, n.ShortTag()) {
		d.errf(n, path, "want %s, got %s", want, describe(n))
		return false
	}
	return true
}

func (d *decoder) decodeScalar(n *yaml.Node, path string, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if isNull(n) {
			return
		}
		if d.scalar(n, path, "a string", "!!str", "!!int", "!!float", "!!bool") {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		var b bool
		if d.scalar(n, path, "true or false", "!!bool") && n.Decode(&b) == nil {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		var i int64
		if !d.scalar(n, path, "an integer", "!!int") {
			return
		}
		if n.Decode(&i) != nil || v.OverflowInt(i) {
			d.errf(n, path, "integer %s out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		var u uint64
		if !d.scalar(n, path, "a non-negative integer", "!!int") {
			return
		}
		if n.Decode(&u) != nil || v.OverflowUint(u) {
			d.errf(n, path, "want a non-negative integer, got %s", n.Value)
			return
		}
		v.SetUint(u)
	case reflect.Float64:
		var f float64
		if !d.scalar(n, path, "a number", "!!int", "!!float") {
			return
		}
		if n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errf(n, path, "want a finite number, got %s", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("scenarios: no YAML decoding for %s", v.Type())) // a programming error in this package's types
	}
}

// decodeDuration reads Go duration syntax ("90s", "2m", "1m30s").
func (d *decoder) decodeDuration(n *yaml.Node, path string, v reflect.Value) {
	const want = "a duration with a unit, like 90s or 2m"
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errf(n, path, "want %s, got %s", want, describe(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errf(n, path, "want %s, got %q", want, n.Value)
		return
	}
	v.SetInt(int64(dur))
}
