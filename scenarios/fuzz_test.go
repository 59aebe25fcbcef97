package scenarios

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics; every failure is a *ValidationError whose
// problems all have a line in the file; every success re-validates, clones
// faithfully and has pieces covering the run for every stream.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{base, mixed, "", "a: [", "name: x\n\tseed: 1\n", "x: &a [*a]\n", "? [a]\n: 1\n",
		"name: t\nseed: 1\nphases: [{name: a, duration: 1s, streams: {api: {shape: {kind: double11, decay: {exponent: 1}}}}}]\n"} {
		f.Add([]byte(seed))
	}
	for _, name := range BundledNames() {
		data, err := bundled.ReadFile(name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		lines := lineCount(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %T %v is not a ValidationError with problems", err, err)
			}
			for _, p := range ve.Problems {
				if p.File != "f.yaml" || p.Line < 1 || p.Line > lines || p.Msg == "" {
					t.Fatalf("problem out of the file (%d lines): %+v", lines, p)
				}
			}
			return
		}
		if err := s.validate(); err != nil {
			t.Fatalf("re-validation failed: %v", err)
		}
		if !reflect.DeepEqual(exported(s.Clone()), exported(s)) {
			t.Fatal("Clone differs")
		}
		for _, stream := range StreamNames {
			var end = s.Timeline()[0].Start
			for _, p := range s.Pieces(stream) {
				if p.Start != end {
					t.Fatalf("%s: gap or overlap at %s", stream, p.Start)
				}
				end = p.Start + p.Duration
			}
			if end != s.TotalDuration() {
				t.Fatalf("%s pieces end at %s, the run at %s", stream, end, s.TotalDuration())
			}
		}
	})
}
