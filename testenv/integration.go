package testenv

import (
	"os"
	"testing"
)

// RequireIntegration reports whether integration tests must run rather than skip.
func RequireIntegration() bool { return os.Getenv(EnvRequireIntegration) == "1" }

// SkipOrFail skips t with the reason and the command that enables the test,
// or fails it when TOPLAB_REQUIRE_INTEGRATION=1 (in CI a skipped integration
// test would hide a broken environment).
func SkipOrFail(t testing.TB, reason, enable string) {
	t.Helper()
	msg := "integration test skipped: " + reason + "; to run it: " + enable
	if RequireIntegration() {
		t.Fatalf("%s (failing because %s=1)", msg, EnvRequireIntegration)
	}
	t.Skip(msg)
}

// enableDocker tells how to get a Docker daemon on this machine kind.
const enableDocker = "`make deps` then start the engine with `dockerd --bridge=none --iptables=false &` (or run `bash .ci/run`)"

// NeedDocker skips or fails t unless a Docker daemon answers. In -short mode
// (`make test-short`) it always skips: short means no Docker.
func NeedDocker(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker; skipped in -short mode (`make test` runs it)")
	}
	if _, err := Docker(t.Context()); err != nil {
		SkipOrFail(t, err.Error(), enableDocker)
	}
}
