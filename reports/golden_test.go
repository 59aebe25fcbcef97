package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %.200s\nwant: %.200s\n(run go test -update if the change is intended)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d (run go test -update if the change is intended)", name, len(gl), len(wl))
	}
}

func TestGoldenMarkdown(t *testing.T) {
	golden(t, "run.md.golden", Markdown(Normalize(sampleRun(t))))
}

func TestGoldenHTML(t *testing.T) {
	html, err := HTML(Normalize(sampleRun(t)))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "run.html.golden", html)
}

// A report must open offline: no script and no URL but the SVG namespaces.
func TestHTMLIsSelfContained(t *testing.T) {
	html, err := HTML(sampleRun(t))
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	namespaces := regexp.MustCompile(`xmlns(:\w+)?="https?://[^"]*"`)
	if rest := namespaces.ReplaceAllString(s, ""); strings.Contains(rest, "http://") || strings.Contains(rest, "https://") {
		i := max(strings.Index(rest, "http://"), strings.Index(rest, "https://"))
		t.Errorf("external reference: %.80q", rest[max(i-40, 0):])
	}
	for _, banned := range []string{"<script", "<link", "<img", "@import", "url("} {
		if strings.Contains(s, banned) {
			t.Errorf("report contains %q", banned)
		}
	}
	// 2 streams x 2 + distribution + errors + push x 2 + sync x 2 + host.
	if n := strings.Count(s, "<svg"); n != 11 {
		t.Errorf("report has %d plots, want 11", n)
	}
	for _, want := range []string{"api: throughput against target", "latency distribution", "errors by code",
		"push end-to-end latency over time", "sync freshness distribution", "host load", "warm-up", "peak", "FAIL"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// Names come from scenario files: they must not become markup.
func TestHTMLEscapesNames(t *testing.T) {
	r := sampleRun(t)
	r.Streams[0].Name = "<script>alert(1)</script>"
	r.Phases[1].Name = "<b>baseline</b>"
	r.Env.Knobs["<i>k</i>"] = "<u>v</u>"
	html, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<b>", "<i>", "<u>"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("report contains raw %q", bad)
		}
	}
	if !strings.Contains(string(html), "&lt;script&gt;") {
		t.Error("the escaped stream name is missing")
	}
}
