package backend

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParseFields(t *testing.T) {
	known := fieldSet{"tid", "status", "orders"}
	tests := []struct {
		in   string
		want fieldSet
		ok   bool
	}{
		{"tid,status", fieldSet{"tid", "status"}, true},
		{" status , tid ,tid,,nope", fieldSet{"status", "tid"}, true},
		{"nope", nil, false},
		{",,,", nil, false},
		{strings.Repeat("tid,", maxFields+1), nil, false},
	}
	for _, tt := range tests {
		got, ok := parseFields(tt.in, known)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("parseFields(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTrimObject(t *testing.T) {
	doc := `{"a":1,"b":"x,\"}y","c":{"d":[1,{"e":"]"}]},"e":null, "f" : true }`
	tests := []struct {
		fs   fieldSet
		want string
	}{
		{fieldSet{"a"}, `{"a":1}`},
		{fieldSet{"c", "b"}, `{"b":"x,\"}y","c":{"d":[1,{"e":"]"}]}}`},
		{fieldSet{"e", "f"}, `{"e":null,"f" : true}`},
		{fieldSet{"d"}, `{}`}, // nested keys are not top-level fields
		{nil, `{}`},
	}
	for _, tt := range tests {
		got := trimObject(nil, []byte(doc), tt.fs)
		if string(got) != tt.want {
			t.Errorf("trim %v: %s, want %s", tt.fs, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("trim %v: invalid JSON %s", tt.fs, got)
		}
	}
	if got := trimObject(nil, []byte(`[1]`), fieldSet{"a"}); string(got) != `{}` {
		t.Errorf("non-object: %s", got)
	}
}

func TestTradeFieldNames(t *testing.T) {
	for _, want := range []string{"tid", "status", "seller_nick", "buyer_nick", "created", "modified", "payment", "post_fee", "receiver_city", "orders", "pay_time"} {
		if !tradeFields.has(want) {
			t.Errorf("trade fields lack %s", want)
		}
	}
	if tradeFields.has("Receiver") {
		t.Error("the embedded struct's name leaked as a field")
	}
}

// trimObject agrees with a decoder-based reference on any valid object whose
// keys need no unescaping.
func FuzzTrimObject(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[{"a":2}],"c":"}"}`), "a,c")
	f.Add([]byte(`{"a":{"b":{"c":[[],{}]}}, "a":2}`), "a")
	f.Add([]byte(`{}`), "x")
	f.Fuzz(func(t *testing.T, doc []byte, fields string) {
		var probe map[string]json.RawMessage
		if !json.Valid(doc) || json.Unmarshal(doc, &probe) != nil || bytes.Contains(doc, []byte(`\`)) {
			return
		}
		fs := fieldSet(strings.Split(fields, ","))
		got := trimObject(nil, doc, fs)
		if !json.Valid(got) {
			t.Fatalf("invalid output %s from %s", got, doc)
		}
		var want []string
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.Token()
		for dec.More() {
			tok, _ := dec.Token()
			var v json.RawMessage
			_ = dec.Decode(&v)
			if fs.has(tok.(string)) {
				want = append(want, tok.(string))
			}
		}
		if keys := objectKeys(t, got); !slices.Equal(keys, want) {
			t.Fatalf("keys %v, want %v (doc %s)", keys, want, doc)
		}
	})
}
