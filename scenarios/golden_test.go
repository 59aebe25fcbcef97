package scenarios

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// dump is what the golden files hold: the parsed scenario (defaults filled)
// and what the runner derives from it.
type dump struct {
	Scenario   *Scenario           `json:"scenario"`
	Timeline   []Span              `json:"timeline"`
	Pieces     map[string][]Piece  `json:"pieces"`
	Instances  []Instance          `json:"instances"`
	Knobs      map[string]string   `json:"knobs"`
	NodeFlags  map[string][]string `json:"node_flags"`
	Calibrated []string            `json:"calibrated"`
	Total      string              `json:"total"`
	Warmup     string              `json:"warmup"`
}

func TestGolden(t *testing.T) {
	for _, name := range BundledNames() {
		t.Run(name, func(t *testing.T) {
			s, err := Load(name + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			d := dump{Scenario: s, Timeline: s.Timeline(), Pieces: map[string][]Piece{}, Instances: s.Instances(),
				Knobs: s.Knobs(), NodeFlags: map[string][]string{}, Calibrated: s.CalibratedStreams(),
				Total: s.TotalDuration().String(), Warmup: s.WarmupDuration().String()}
			for _, st := range StreamNames {
				d.Pieces[st] = s.Pieces(st)
			}
			for role := range s.Env.Nodes {
				d.NodeFlags[role] = s.NodeFlags(role)
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the parsed scenario (go test -run TestGolden -update rewrites it; review the diff):\n%s", path, got)
			}
		})
	}
}
