package main

import (
	"os"
	"testing"
)

// testRoleEnv makes the test binary run as a helper process of a benchmark
// (a swarm of clients in a process of its own, so that neither its memory
// nor its descriptors count against the benchmark's).
const testRoleEnv = "TOPLAB_TEST_ROLE"

func TestMain(m *testing.M) {
	if role := os.Getenv(testRoleEnv); role != "" {
		os.Exit(runTestRole(role))
	}
	os.Exit(m.Run())
}
