package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBenchGatewayMeasuresEveryTarget runs `toplab bench gateway` briefly:
// every target answers, each has its node's CPU per request (and the
// backend's behind it), and the gateway (and nginx, when installed) has its
// added p99 against the backend in the open rounds.
func TestBenchGatewayMeasuresEveryTarget(t *testing.T) {
	bin := buildToplab(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "bench", "gateway", "-duration", "400ms", "-warmup", "100ms", "-rounds", "1", "-concurrency", "16", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Results []benchResult `json:"results"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	_, nginxErr := exec.LookPath("nginx")
	want := []string{"backend", "gateway", "gateway-nethttp", "fasthttp-proxy", "reverseproxy", "nginx"}
	if len(res.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(res.Results), len(want))
	}
	for i, r := range res.Results {
		if r.Target != want[i] {
			t.Fatalf("result %d is %s, want %s", i, r.Target, want[i])
		}
		if r.Target == "nginx" && nginxErr != nil {
			if r.SkipReason == "" {
				t.Error("nginx missing without a reason")
			}
			continue
		}
		if r.Closed == nil || r.Closed.Throughput <= 0 {
			t.Errorf("%s: no closed-model throughput", r.Target)
		}
		if r.CPU == nil || r.CPU.User+r.CPU.System <= 0 || r.CPU.Node == "" {
			t.Errorf("%s: CPU per request %+v", r.Target, r.CPU)
		}
		if (r.BackendCPU == nil) != (r.Target == "backend") {
			t.Errorf("%s: backend CPU per request %+v", r.Target, r.BackendCPU)
		}
		wantOpen := r.Target == "gateway" || r.Target == "fasthttp-proxy" || r.Target == "nginx"
		if (len(r.AddedP99Rounds) == 1) != wantOpen {
			t.Errorf("%s: added p99 rounds %v", r.Target, r.AddedP99Rounds)
		}
	}
}
