package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// base is a small valid scenario; each case edits one thing in it.
const base = `name: t
seed: 1
env:
  nodes:
    backend: {}
    gateway: {}
    push: {count: 2}
    sync: {}
streams:
  api:
    peak: 100/s
    mix: {taobao.trade.fullinfo.get: 1}
  orders:
    peak: 10/s
  push: {}
phases:
  - name: warm
    duration: 5s
    warmup: true
    streams:
      api: {shape: {kind: constant, rate: 0.5}}
  - name: main
    duration: 20s
    streams:
      api: {shape: {kind: constant, rate: 1}}
      orders: {shape: {kind: constant, rate: 1}}
slo:
  api_p99: {default: 50ms}
  api_error_rate: 0.01
  push_e2e_p99: 1s
  sync_freshness_p99: 2s
faults:
  - {at: 10s, action: kill, node: sync, for: 5s}
`

func TestBaseIsValid(t *testing.T) {
	s, err := Parse("t.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.TotalDuration() != 25e9 || s.Settle != DefaultSettle || s.Env.Nodes["push"].Count != 2 || s.Env.Nodes["sync"].Count != 1 {
		t.Fatalf("parsed %+v", s)
	}
}

// edit replaces old (which must occur exactly once) in base with new.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if n := strings.Count(base, old); n != 1 {
		t.Fatalf("%q occurs %d times in base", old, n)
	}
	return strings.Replace(base, old, new, 1)
}

// One YAML per class of error; each must name the file, line, column and
// field path.
func TestValidationErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rates.csv"), []byte("1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		want           []string // fragments of the error, each naming file:line:col: path where it matters
		more           []string // further old, new pairs of edits
	}{
		{"syntax", "seed: 1\n", "seed: 1: 2\n", []string{"t.yaml:2:1: yaml: mapping values are not allowed in this context"}, nil},
		{"syntax on the first line", "name: t\n", "name: t: u\n", []string{"t.yaml:1:1: yaml: mapping values are not allowed in this context"}, nil},
		{"tab indentation", "  nodes:\n", "\tnodes:\n", []string{"t.yaml:4:1: yaml: found character that cannot start any token"}, nil},
		{"two documents", "faults:\n", "---\nfaults:\n", []string{"t.yaml:32:1: yaml: more than one document"}, nil},
		{"unknown top-level field", "seed: 1\n", "seed: 1\nsede: 2\n", []string{`t.yaml:3:1: sede: unknown field "sede" (want name, description, seed, env, knobs, calibration, scale, max_duration, settle, phases, streams, slo, faults)`}, nil},
		{"unknown field suggests", "seed: 1\n", "seed: 1\nMax_Duration: 1m\n", []string{`did you mean "max_duration"?`}, nil},
		{"unknown nested field", "{kind: constant, rate: 0.5}", "{kind: constant, rate: 0.5, peak: 1}", []string{`t.yaml:21:48: phases[0].streams.api.shape.peak: unknown field "peak" (want rate)`}, nil},
		{"unknown stream", "  push: {}\n", "  push: {}\n  sync: {}\n", []string{`t.yaml:16:3: streams.sync: unknown field "sync" (want api, orders, push)`}, nil},
		{"duplicate key", "seed: 1\n", "seed: 1\nseed: 2\n", []string{"t.yaml:3:1: seed: duplicate key (first at line 2)"}, nil},
		{"duplicate map key", "    sync: {}\n", "    sync: {}\n    sync: {count: 2}\n", []string{"t.yaml:9:5: env.nodes.sync: duplicate key (first at line 8)"}, nil},
		{"duplicate shape kind", "{kind: constant, rate: 1}}\n      orders", "{kind: constant, kind: linear, rate: 1}}\n      orders", []string{"t.yaml:25:37: phases[1].streams.api.shape.kind: duplicate key (first at line 25)"}, nil},
		{"wrong type", "seed: 1\n", "seed: abc\n", []string{`t.yaml:2:7: seed: want a non-negative integer, got "abc"`}, nil},
		{"negative seed", "seed: 1\n", "seed: -1\n", []string{`t.yaml:2:7: seed: want a non-negative integer, got -1`}, nil},
		{"mapping wanted", "    sync: {}\n", "    sync: [1]\n", []string{"t.yaml:8:11: env.nodes.sync: want a mapping, got a list"}, nil},
		{"missing required", "seed: 1\n", "", []string{"t.yaml:1:1: seed: required"}, nil},
		{"missing nested required", "    duration: 20s\n", "", []string{"t.yaml:22:5: phases[1].duration: required"}, nil},
		{"bad name", "name: t\n", "name: Double_11\n", []string{`t.yaml:1:7: name: must match ^[a-z0-9][a-z0-9-]{0,62}$, got "Double_11"`}, nil},
		{"unknown shape", "{kind: constant, rate: 0.5}", "{kind: sine, rate: 0.5}", []string{`t.yaml:21:27: phases[0].streams.api.shape.kind: unknown shape "sine" (want constant, linear, step, spike, double11, replay, continue)`}, nil},
		{"shape without kind", "{kind: constant, rate: 0.5}", "{rate: 0.5}", []string{"t.yaml:21:20: phases[0].streams.api.shape.kind: required (want constant,"}, nil},
		{"fraction out of range", "rate: 0.5}", "rate: 1.5}", []string{"t.yaml:21:43: phases[0].streams.api.shape.rate: must be a fraction in [0, 1], got 1.5"}, nil},
		{"missing shape field", "{kind: constant, rate: 0.5}", "{kind: constant}", []string{"t.yaml:21:13: phases[0].streams.api.shape.rate: required"}, nil},
		{"duration without unit", "duration: 5s\n", "duration: 5\n", []string{`t.yaml:18:15: phases[0].duration: want a duration with a unit, like 90s or 2m, got "5"`}, nil},
		{"negative duration", "duration: 5s\n", "duration: -5s\n", []string{"t.yaml:18:15: phases[0].duration: must be > 0, got -5s"}, nil},
		{"duplicate phase", "  - name: main\n", "  - name: warm\n", []string{`t.yaml:22:11: phases[1].name: duplicate phase name "warm" (also phases[0])`}, nil},
		{"warm-up not leading", "    duration: 20s\n", "    duration: 20s\n    warmup: true\n", []string{"t.yaml:23:13: phases[1].warmup: warm-up phases must come before all others"}, []string{"    warmup: true\n    streams:\n      api: {shape: {kind: constant, rate: 0.5}}", "    streams:\n      api: {shape: {kind: constant, rate: 0.5}}"}},
		{"only warm-up", "    duration: 20s\n", "    duration: 20s\n    warmup: true\n", []string{"t.yaml:16:1: phases: every phase is a warm-up: nothing would be measured"}, nil},
		{"unknown role", "    sync: {}\n", "    sync: {}\n    cache: {}\n", []string{`t.yaml:9:5: env.nodes.cache: unknown role "cache" (want backend, push, sync, gateway)`}, nil},
		{"count out of range", "push: {count: 2}", "push: {count: 0}", []string{"t.yaml:7:19: env.nodes.push.count: must be in 1..64, got 0"}, nil},
		{"runner's flag", "    sync: {}\n", "    sync: {flags: {addr: \":1\"}}\n", []string{"t.yaml:8:20: env.nodes.sync.flags.addr: flag -addr is set by the runner"}, nil},
		{"knob of unknown role", "seed: 1\n", "seed: 1\nknobs:\n  cache.size: 1\n", []string{`t.yaml:4:3: knobs["cache.size"]: unknown role "cache" (want backend, push, sync, gateway)`}, nil},
		{"knob of absent role", "seed: 1\n", "seed: 1\nknobs:\n  sync.write-mode: conditional\n", []string{`t.yaml:4:3: knobs["sync.write-mode"]: role sync has no nodes in env.nodes`}, []string{"    sync: {}\n", "", "  sync_freshness_p99: 2s\n", "", "node: sync", "node: gateway"}},
		{"knob set twice", "seed: 1\n", "seed: 1\nknobs:\n  push.gogc: 200\n", []string{`t.yaml:4:3: knobs["push.gogc"]: also set in env.nodes.push.flags`}, []string{"{count: 2}", "{count: 2, flags: {gogc: 400}}"}},
		{"knob not role.flag", "seed: 1\n", "seed: 1\nknobs:\n  gogc: 200\n", []string{`t.yaml:4:3: knobs.gogc: knob must be <role>.<flag>, got "gogc"`}, nil},
		{"scale out of range", "seed: 1\n", "seed: 1\nscale: 1.5\n", []string{"t.yaml:3:8: scale: must be in (0, 1], got 1.5", "t.yaml:3:8: scale: unused: every stream gives its own peak"}, nil},
		{"scale required", "    peak: 100/s\n", "", []string{"t.yaml:1:1: scale: required: the peaks of api come from calibration"}, nil},
		{"bad rate", "peak: 100/s", "peak: fast", []string{`t.yaml:11:11: streams.api.peak: want a rate like 200/s or a fraction of calibrated capacity like 0.6, got "fast"`}, nil},
		{"behaviours sum", "  push: {}\n", "  push: {behaviours: {prompt: 0.5, slow: 0.2}}\n", []string{"t.yaml:15:22: streams.push.behaviours: fractions must sum to 1, got 0.7"}, nil},
		{"stream not declared", "  push: {}\n", "", []string{"t.yaml:29:3: slo.push_e2e_p99: nothing to judge: the push stream does not run"}, nil},
		{"undeclared stream in a phase", "  orders:\n    peak: 10/s\n", "", []string{"t.yaml:24:7: phases[1].streams.orders: stream orders is not declared in streams", "streams.push: no messages to push"}, nil},
		{"stream needs a role", "    gateway: {}\n", "", []string{"t.yaml:9:3: streams.api: the api stream needs gateway nodes in env.nodes"}, nil},
		{"slo missing", "  sync_freshness_p99: 2s\n", "", []string{"t.yaml:27:1: slo.sync_freshness_p99: required when the sync role runs"}, nil},
		{"slo class", "{default: 50ms}", "{default: 50ms, classes: {trades: 80ms}}", []string{`t.yaml:28:38: slo.api_p99.classes.trades: unknown API class "trades" (want trade, item, user, tmc, batch)`}, nil},
		{"continue first", "{kind: constant, rate: 0.5}", "{kind: continue}", []string{"t.yaml:21:27: phases[0].streams.api.shape.kind: continue in the first phase"}, nil},
		{"continue after nothing", "orders: {shape: {kind: constant, rate: 1}}", "orders: {shape: {kind: continue}}", []string{"t.yaml:26:30: phases[1].streams.orders.shape.kind: continue needs phases[0] to give orders a shape"}, nil},
		{"spike too long", "orders: {shape: {kind: constant, rate: 1}}", "orders: {shape: {kind: spike, base: 0.1, peak: 1, at: 15s, width: 10s}}", []string{"t.yaml:26:73: phases[1].streams.orders.shape.width: the spike (at + rise + width + fall) ends at 25s, after the shape's 20s"}, nil},
		{"double11 presale after midnight", "orders: {shape: {kind: constant, rate: 1}}", "orders: {shape: {kind: double11, baseline: 0.1, midnight: 5s, ramp: 1s, peak: 1, decay: {exponent: 1, scale: 1s}, tail: {rate: 0.1, duration: 10s}, presale: {start: 1s, duration: 10s, height: 0.2}}}", []string{"t.yaml:26:186: phases[1].streams.orders.shape.presale.duration: the pre-sale wave ends at 11s, after midnight (5s)"}, nil},
		{"replay file missing", "orders: {shape: {kind: constant, rate: 1}}", "orders: {shape: {kind: replay, file: nope.csv}}", []string{"t.yaml:26:44: phases[1].streams.orders.shape.file: no such file (paths are relative to the scenario file)"}, nil},
		{"replay file present", "orders: {shape: {kind: constant, rate: 1}}", "orders: {shape: {kind: replay, file: rates.csv, interpolate: linear}}", nil, nil},
		{"max duration", "seed: 1\n", "seed: 1\nmax_duration: 20s\n", []string{"t.yaml:3:15: max_duration: the phases (25s) and settle (30s) take 55s, more than 20s"}, nil},
		{"fault beyond the run", "at: 10s", "at: 1m", []string{"t.yaml:33:10: faults[0].at: must be within the run [0, 25s), got 1m0s"}, nil},
		{"fault unknown action", "action: kill", "action: pause", []string{`t.yaml:33:23: faults[0].action: unknown action "pause" (want kill, stop, start, restart)`}, nil},
		{"fault unknown node", "node: sync,", "node: push,", []string{`t.yaml:33:35: faults[0].node: unknown node "push" (want one of backend, push-1, push-2, sync, gateway)`}, nil},
		{"fault for restart", "action: kill", "action: restart", []string{"t.yaml:33:49: faults[0].for: only kill and stop take for"}, nil},
		{"fault on a down node", "  - {at: 10s, action: kill, node: sync, for: 5s}\n", "  - {at: 10s, action: kill, node: sync, for: 5s}\n  - {at: 12s, action: stop, node: sync}\n", []string{"t.yaml:34:23: faults[1].action: sync is down at 12s (faults[0]): nothing to stop"}, nil},
		{"fault start of an up node", "  - {at: 10s, action: kill, node: sync, for: 5s}\n", "  - {at: 10s, action: start, node: gateway}\n", []string{"t.yaml:33:23: faults[0].action: gateway is up at 10s: nothing to start"}, nil},
		{"alias", "  api_error_rate: 0.01\n", "  api_error_rate: &r 0.01\n  x: *r\n", []string{"t.yaml:29:19: slo.api_error_rate: anchors and aliases are not supported", `t.yaml:30:3: slo.x: unknown field "x"`}, nil},
		{"merge key", "  api_error_rate: 0.01\n", "  api_error_rate: 0.01\n  <<: {lost_messages: 1}\n", []string{`t.yaml:30:3: slo["<<"]: merge keys (<<) are not supported`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := edit(t, tt.old, tt.new)
			for i := 0; i+1 < len(tt.more); i += 2 {
				if strings.Count(doc, tt.more[i]) != 1 {
					t.Fatalf("%q does not occur once", tt.more[i])
				}
				doc = strings.Replace(doc, tt.more[i], tt.more[i+1], 1)
			}
			_, err := Parse(filepath.Join(dir, "t.yaml"), []byte(doc))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want no error, got:\n%v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *ValidationError, got %T %v", err, err)
			}
			for _, p := range ve.Problems {
				if filepath.Base(p.File) != "t.yaml" || p.Line < 1 || p.Col < 1 {
					t.Errorf("problem without a position: %+v", p)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("want %q among:\n%v", w, err)
				}
			}
		})
	}
}
