package scenarios

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseSweep(t *testing.T) {
	tests := []struct {
		arg    string
		knob   string
		values []string
		err    string
	}{
		{"scale=0.5,0.7,0.9", "scale", []string{"0.5", "0.7", "0.9"}, ""},
		{" sync.write-mode = conditional , select-update ", "sync.write-mode", []string{"conditional", "select-update"}, ""},
		{"push.count=3", "push.count", []string{"3"}, ""},
		{"scale", "", nil, "want knob=value"},
		{"=1", "", nil, "want knob=value"},
		{"scale=0.5,,0.7", "", nil, "empty value"},
		{"scale=", "", nil, "empty value"},
	}
	for _, tt := range tests {
		knob, values, err := ParseSweep(tt.arg)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSweep(%q) error %v, want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || knob != tt.knob || !slices.Equal(values, tt.values) {
			t.Errorf("ParseSweep(%q) = %q %q %v", tt.arg, knob, values, err)
		}
	}
}

func TestApplySweep(t *testing.T) {
	tests := []struct {
		name, knob, value string
		check             func(*Scenario) bool
		err               string // a fragment of the error; "" for none
	}{
		{"scale", "scale", "0.5", func(s *Scenario) bool { return s.Scale == 0.5 && s.Knobs()["scale"] == "0.5" }, ""},
		{"seed", "seed", "42", func(s *Scenario) bool { return s.Seed == 42 }, ""},
		{"store", "store", "mariadb", func(s *Scenario) bool { return s.Env.Store == StoreMariaDB }, ""},
		{"count", "push.count", "3", func(s *Scenario) bool {
			return s.Env.Nodes["push"].Count == 3 && slices.ContainsFunc(s.Instances(), func(i Instance) bool { return i.Name == "push-3" })
		}, ""},
		{"knob in knobs", "sync.write-mode", "select-update", func(s *Scenario) bool {
			return s.Tuning["sync.write-mode"] == "select-update" && slices.Contains(s.NodeFlags("sync"), "-write-mode=select-update")
		}, ""},
		{"flag in env.nodes", "push.gogc", "200", func(s *Scenario) bool {
			return s.Env.Nodes["push"].Flags["gogc"] == "200" && s.Tuning["push.gogc"] == "" && slices.Equal(s.NodeFlags("push"), []string{"-gogc=200"})
		}, ""},
		{"new knob", "gateway.http", "nethttp", func(s *Scenario) bool {
			return s.Tuning["gateway.http"] == "nethttp" && s.Knobs()["gateway.http"] == "nethttp"
		}, ""},
		{"scale out of range", "scale", "1.5", nil, "--sweep scale=1.5: scale: must be in (0, 1], got 1.5"},
		{"scale not a number", "scale", "high", nil, `--sweep scale=high: scale: want a number, got "high"`},
		{"unknown knob", "speed", "2", nil, `--sweep speed=2: speed: unknown knob "speed"`},
		{"unknown role", "cache.size", "2", nil, `unknown knob "cache.size"`},
		{"bad store", "store", "postgres", nil, `--sweep store=postgres: env.store: unknown value "postgres" (want sqlite, mariadb)`},
		{"zero count", "push.count", "0", nil, "--sweep push.count=0: env.nodes.push.count: must be in 1..64, got 0"},
		{"runner's flag", "gateway.addr", ":1", nil, `--sweep gateway.addr=:1: knobs["gateway.addr"]: flag -addr is set by the runner`},
		// The file's fault names sync-2: the sweep's effect is reported
		// where the file is now wrong.
		{"count breaks a fault", "sync.count", "1", nil, `double11.yaml:LINE:34: faults[0].node: unknown node "sync-2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(mustRead(t, "double11.yaml"), "faults: []", "faults:\n  - {at: 1m, action: kill, node: sync-2}", 1)
			orig, err := Parse("double11.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			s := orig.Clone()
			err = s.ApplySweep(tt.knob, tt.value)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !tt.check(s) {
					t.Errorf("sweep not applied: %+v", s.Knobs())
				}
				if got := s.Sweeps(); !slices.Equal(got, []string{tt.knob + "=" + tt.value}) {
					t.Errorf("Sweeps() = %v", got)
				}
				if reflect.DeepEqual(exported(s), exported(orig)) {
					t.Error("the sweep changed nothing")
				}
				return
			}
			want := strings.Replace(tt.err, "LINE", strconv.Itoa(strings.Count(doc[:strings.Index(doc, "  - {at: 1m")], "\n")+1), 1)
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want %q", err, want)
			}
			if !reflect.DeepEqual(exported(s), exported(orig)) || len(s.Sweeps()) != 0 {
				t.Error("a failed sweep changed the scenario")
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
