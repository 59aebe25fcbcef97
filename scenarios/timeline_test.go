package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mixed has idle gaps, a continued shape, push overrides and faults.
const mixed = `name: mixed
seed: 7
env:
  nodes:
    backend: {}
    gateway: {flags: {limiter: local}}
    push: {count: 3}
knobs:
  gateway.http: nethttp
scale: 0.5
streams:
  api:
    mix: {taobao.item.get: 1}
  orders:
    peak: 0.8
  push:
    peak: 40/s
    clients: 20
    apps: 2
phases:
  - name: a
    duration: 10s
    warmup: true
    streams:
      api: {shape: {kind: constant, rate: 0.1}}
  - name: b
    duration: 20s
    streams:
      api: {shape: {kind: linear, from: 0.1, to: 1}}
      orders: {shape: {kind: replay, file: curve.csv}}
      push: {clients: 30, behaviours: {prompt: 0.5, never: 0.5}}
  - name: c
    duration: 30s
    streams:
      api: {shape: {kind: continue}}
      push: {shape: {kind: constant, rate: 1}}
  - name: d
    duration: 5s
  - name: e
    duration: 5s
    streams:
      api: {shape: {kind: step, start: 0.1, by: 0.1, every: 1s}}
slo:
  api_p99: {default: 20ms, classes: {item: 30ms}}
  api_error_rate: 0
  push_e2e_p99: 1s
faults:
  - {at: 50s, action: restart, node: push-3}
  - {at: 20s, action: stop, node: gateway, for: 10s}
  - {at: 20s, action: kill, node: push-1}
  - {at: 40s, action: start, node: push-1}
`

func parseMixed(t *testing.T) *Scenario {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "curve.csv"), []byte("second,rate\n0,10\n1,20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Parse(filepath.Join(dir, "mixed.yaml"), []byte(mixed))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTimeline(t *testing.T) {
	s := parseMixed(t)
	want := []Span{{"a", 0, 10 * time.Second, true}, {"b", 10 * time.Second, 30 * time.Second, false},
		{"c", 30 * time.Second, 60 * time.Second, false}, {"d", 60 * time.Second, 65 * time.Second, false}, {"e", 65 * time.Second, 70 * time.Second, false}}
	if got := s.Timeline(); !slices.Equal(got, want) {
		t.Errorf("timeline %+v", got)
	}
	if s.TotalDuration() != 70*time.Second || s.WarmupDuration() != 10*time.Second {
		t.Errorf("total %s warm-up %s", s.TotalDuration(), s.WarmupDuration())
	}
	for _, tt := range []struct {
		at    time.Duration
		phase int
		ok    bool
	}{{0, 0, true}, {10 * time.Second, 1, true}, {69 * time.Second, 4, true}, {70 * time.Second, 0, false}, {-1, 0, false}} {
		if i, ok := s.PhaseAt(tt.at); i != tt.phase || ok != tt.ok {
			t.Errorf("PhaseAt(%s) = %d %v", tt.at, i, ok)
		}
	}
}

func TestPieces(t *testing.T) {
	s := parseMixed(t)
	type piece struct {
		start, dur time.Duration
		kind       string
		phases     string
	}
	summary := func(ps []Piece) []piece {
		var out []piece
		for _, p := range ps {
			kind := "idle"
			if p.Shape != nil {
				kind = p.Shape.Kind
			}
			out = append(out, piece{p.Start, p.Duration, kind, strings.Join(p.Phases, ",")})
		}
		return out
	}
	tests := []struct {
		stream string
		want   []piece
	}{
		{StreamAPI, []piece{{0, 10 * time.Second, KindConstant, "a"}, {10 * time.Second, 50 * time.Second, KindLinear, "b,c"},
			{60 * time.Second, 5 * time.Second, "idle", "d"}, {65 * time.Second, 5 * time.Second, KindStep, "e"}}},
		{StreamOrders, []piece{{0, 10 * time.Second, "idle", "a"}, {10 * time.Second, 20 * time.Second, KindReplay, "b"},
			{30 * time.Second, 40 * time.Second, "idle", "c,d,e"}}},
		{StreamPush, []piece{{0, 30 * time.Second, "idle", "a,b"}, {30 * time.Second, 30 * time.Second, KindConstant, "c"},
			{60 * time.Second, 10 * time.Second, "idle", "d,e"}}},
	}
	for _, tt := range tests {
		if got := summary(s.Pieces(tt.stream)); !slices.Equal(got, tt.want) {
			t.Errorf("%s pieces\n got %+v\nwant %+v", tt.stream, got, tt.want)
		}
	}
	// Defaults filled in shapes: step's max, replay's interpolation and peak.
	if st := s.Phases[4].Streams.API.Shape.Step; st.Max != 1 || st.Steps != 0 {
		t.Errorf("step %+v", st)
	}
	if r := s.Phases[1].Streams.Orders.Shape.Replay; r.Interpolate != InterpolateHold || r.Peak != 1 {
		t.Errorf("replay %+v", r)
	}
	csv, err := s.ReadFile("curve.csv")
	if err != nil || !strings.HasPrefix(string(csv), "second,rate") {
		t.Errorf("ReadFile = %q, %v", csv, err)
	}
}

func TestPeaksAndPush(t *testing.T) {
	s := parseMixed(t)
	if got := s.CalibratedStreams(); !slices.Equal(got, []string{StreamAPI, StreamOrders}) {
		t.Errorf("calibrated %v", got)
	}
	for _, tt := range []struct {
		stream string
		want   float64
	}{{StreamAPI, 500}, {StreamOrders, 800}, {StreamPush, 40}} {
		if got := s.Peak(tt.stream, 1000); got != tt.want {
			t.Errorf("Peak(%s, 1000) = %g, want %g", tt.stream, got, tt.want)
		}
	}
	for _, tt := range []struct {
		phase   int
		clients int
		b       Behaviours
	}{{0, 20, Behaviours{Prompt: 1}}, {1, 30, Behaviours{Prompt: 0.5, Never: 0.5}}, {2, 20, Behaviours{Prompt: 1}}, {9, 0, Behaviours{}}} {
		if c, b := s.PushAt(tt.phase); c != tt.clients || b != tt.b {
			t.Errorf("PushAt(%d) = %d %+v", tt.phase, c, b)
		}
	}
	if s.SLO.APIP99.For("item") != 30*time.Millisecond || s.SLO.APIP99.For("trade") != 20*time.Millisecond {
		t.Error("APILatency.For")
	}
}

func TestNodesAndFaults(t *testing.T) {
	s := parseMixed(t)
	var names []string
	for _, in := range s.Instances() {
		names = append(names, in.Name)
	}
	if !slices.Equal(names, []string{"backend", "push-1", "push-2", "push-3", "gateway"}) {
		t.Errorf("instances %v", names)
	}
	if got := s.NodeFlags(RoleGateway); !slices.Equal(got, []string{"-http=nethttp", "-limiter=local"}) {
		t.Errorf("gateway flags %v", got)
	}
	var order []string
	for _, f := range s.Schedule() {
		order = append(order, f.Action+" "+f.Node)
	}
	if !slices.Equal(order, []string{"stop gateway", "kill push-1", "start push-1", "restart push-3"}) {
		t.Errorf("schedule %v", order)
	}
}

func TestCheckFlags(t *testing.T) {
	s := parseMixed(t)
	known := map[string][]string{RoleGateway: {"limiter"}}
	err := s.CheckFlags(func(role, flag string) bool { return slices.Contains(known[role], flag) })
	want := `/mixed.yaml:9:3: knobs["gateway.http"]: toplab serve gateway has no flag -http`
	if err == nil || !strings.HasSuffix(err.Error(), want) || strings.Count(err.Error(), "\n") != 0 {
		t.Fatalf("CheckFlags = %v, want %s", err, want)
	}
	known[RoleGateway] = append(known[RoleGateway], "http")
	if err := s.CheckFlags(func(role, flag string) bool { return slices.Contains(known[role], flag) }); err != nil {
		t.Fatal(err)
	}
}

// One pass reports every problem, in file order.
func TestEveryProblemReported(t *testing.T) {
	doc := strings.NewReplacer("seed: 7", "seed: x", "duration: 20s", "duration: 20", "kind: linear", "kind: sine",
		"action: restart", "action: pause", "    apps: 2\n", "    apps: 2\n    colour: red\n").Replace(mixed)
	_, err := Parse("mixed.yaml", []byte(doc))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Path)
	}
	want := []string{"seed", "streams.push.colour", "phases[1].duration", "phases[1].streams.api.shape.kind", "faults[0].action"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no problem at %s in:\n%v", w, err)
		}
	}
	if !slices.IsSortedFunc(ve.Problems, func(a, b Problem) int { return a.Line - b.Line }) {
		t.Errorf("not in file order:\n%v", err)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want Rate
		ok   bool
	}{
		{"200/s", Rate{PerSecond: 200}, true},
		{"6000/m", Rate{PerSecond: 100}, true},
		{"7200 /h", Rate{PerSecond: 2}, true},
		{"0.6", Rate{Fraction: 0.6}, true},
		{"fast", Rate{}, false},
		{"NaN/s", Rate{}, false},
		{"1/d", Rate{}, false},
		{"Inf", Rate{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseRate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRate(%q) = %+v %v", tt.in, got, ok)
		}
	}
	if (Rate{PerSecond: 200}).String() != "200/s" || (Rate{Fraction: 0.6}).String() != "0.6" {
		t.Error("Rate.String")
	}
}

func TestEmptyAndNonMapping(t *testing.T) {
	for _, doc := range []string{"", "# only a comment\n", "- a\n- b\n", "just text\n"} {
		_, err := Parse("x.yaml", []byte(doc))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Problems[0].Line != 1 {
			t.Errorf("Parse(%q) = %v", doc, err)
		}
	}
}

func TestCalibrationKey(t *testing.T) {
	s := parseMixed(t)
	key := s.CalibrationKey(StreamAPI)
	if !strings.HasPrefix(key, "api-") || key != s.Clone().CalibrationKey(StreamAPI) || key == s.CalibrationKey(StreamOrders) {
		t.Fatalf("key %q", key)
	}
	tests := []struct {
		knob, value string
		same        bool
	}{
		{"scale", "0.9", true},
		{"seed", "8", true},
		{"gateway.http", "fasthttp", false},
		{"push.count", "4", false},
		{"store", "mariadb", false},
	}
	for _, tt := range tests {
		c := s.Clone()
		if err := c.ApplySweep(tt.knob, tt.value); err != nil {
			t.Fatal(err)
		}
		if got := c.CalibrationKey(StreamAPI) == key; got != tt.same {
			t.Errorf("sweep %s=%s: key unchanged = %v, want %v", tt.knob, tt.value, got, tt.same)
		}
	}
}
