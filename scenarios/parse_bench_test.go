package scenarios

import "testing"

// BenchmarkParse measures loading a bundled scenario (YAML parse, decode,
// validation): once per run, so only a regression by orders of magnitude
// would matter.
func BenchmarkParse(b *testing.B) {
	for _, name := range BundledNames() {
		data, err := bundled.ReadFile(name + ".yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := parse(name+".yaml", data, bundled, "."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApplySweep measures cloning a scenario and applying one knob, as
// the runner does per sweep value.
func BenchmarkApplySweep(b *testing.B) {
	s, err := Bundled("double11")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Clone().ApplySweep("scale", "0.5"); err != nil {
			b.Fatal(err)
		}
	}
}
