package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBenchPushReportsLatencyAndCPU runs `toplab bench push` small: every
// acknowledged message arrives, and the result has the end-to-end latency
// and the CPU per message of the nodes and of the clients.
func TestBenchPushReportsLatencyAndCPU(t *testing.T) {
	bin := buildToplab(t)
	out := filepath.Join(t.TempDir(), "push.json")
	cmd := exec.Command(bin, "bench", "push", "-conns", "60", "-conns-per-app", "3", "-rate", "600", "-duration", "1s", "-nodes", "2", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench push: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r pushBenchResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.Published < 500 || r.Acked != r.Published || r.Delivered < r.Acked || r.PublishErrs != 0 {
		t.Fatalf("published %d, acknowledged %d, delivered %d, errors %d", r.Published, r.Acked, r.Delivered, r.PublishErrs)
	}
	if r.P50Ms <= 0 || r.P99Ms < r.P50Ms || r.MaxMs < r.P99Ms {
		t.Errorf("latency p50 %v p99 %v max %v", r.P50Ms, r.P99Ms, r.MaxMs)
	}
	if r.NodeCPUPerMsgUs <= 0 || r.ClientCPUPerMsgUs <= 0 || r.NodeCores <= 0 {
		t.Errorf("CPU per message: nodes %v µs (%v cores), clients %v µs", r.NodeCPUPerMsgUs, r.NodeCores, r.ClientCPUPerMsgUs)
	}
}
