package main

import (
	"testing"
	"time"

	"github.com/toplab/toplab/testenv"
)

func TestCPUPerRequest(t *testing.T) {
	var none *cpuTally
	if none.perRequest() != nil || (&cpuTally{node: "x"}).perRequest() != nil {
		t.Fatal("no requests must give no figure, not zero")
	}
	tally := &cpuTally{node: "gateway", cpu: testenv.CPU{User: 300 * time.Millisecond, System: 100 * time.Millisecond}, requests: 10_000}
	got := tally.perRequest()
	if got.Node != "gateway" || got.User != 30*time.Microsecond || got.System != 10*time.Microsecond {
		t.Fatalf("per request %+v", got)
	}
	if s := got.String(); s != "40.0µs (25% sys)" {
		t.Fatalf("String() = %q", s)
	}
	if s := (*cpuPerRequest)(nil).String(); s != "-" {
		t.Fatalf("nil String() = %q", s)
	}
}
