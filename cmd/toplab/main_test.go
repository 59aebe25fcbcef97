package main

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), &cliEnv{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestCLIExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
		wantStdout string
	}{
		{"no command", nil, 2, "usage: toplab", ""},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{"help", []string{"help"}, 0, "", "images"},
		{"version", []string{"version"}, 0, "", runtime.Version()},
		{"version bad flag", []string{"version", "-nope"}, 2, "flag provided but not defined: -nope", ""},
		{"version stray argument", []string{"version", "extra"}, 2, "unexpected arguments", ""},
		{"version help", []string{"version", "-h"}, 0, "usage: toplab version", ""},
		{"images bad flag", []string{"images", "-bogus"}, 2, "flag provided but not defined: -bogus", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.wantStdout)
			}
		})
	}
}

func TestUsageListsEveryCommand(t *testing.T) {
	_, stdout, _ := runCLI(t, "help")
	for _, c := range commands() {
		if !strings.Contains(stdout, c.name) || !strings.Contains(stdout, c.summary) {
			t.Errorf("usage does not list %q with its summary", c.name)
		}
	}
}

func TestVersionJSONCarriesInjectedValues(t *testing.T) {
	oldV, oldC := version, commit
	version, commit = "v1.2.3", "abc123"
	t.Cleanup(func() { version, commit = oldV, oldC })
	code, stdout, _ := runCLI(t, "version", "-json")
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(stdout), &b); err != nil {
		t.Fatalf("version -json is not JSON: %v\n%s", err, stdout)
	}
	if b.Version != "v1.2.3" || b.Commit != "abc123" || b.Go != runtime.Version() {
		t.Fatalf("version -json = %+v", b)
	}
}
