package images

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestToplabImage builds the scratch image around a small static stand-in
// for toplab (testdata/hello) under a throw-away tag, so as not to replace a
// real toplab/toplab:local, and runs it as an unprivileged user.
func TestToplabImage(t *testing.T) {
	d := dockerOrSkip(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found: cannot build the stand-in binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "hello")
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./testdata/hello")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := checkStatic(bin); err != nil {
		t.Fatal(err)
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}

	tag := fmt.Sprintf("toplab/toplab-imagestest:%d", os.Getpid())
	im := image{tag: tag, recipe: toplabRecipe(sum), changes: toplabChanges}
	opt, err := Options{Binary: bin, CacheDir: t.TempDir(), Log: testLog{t}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{opt: opt, docker: d}
	t.Cleanup(func() { _, _ = d.run(context.Background(), nil, "image", "rm", "--force", tag) })
	for i, wantCached := range []bool{false, true} {
		r, err := b.build(ctx, im)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && r.Cached {
			// A leftover of an earlier run of this test with the same pid.
			continue
		}
		if r.Cached != wantCached {
			t.Errorf("build %d: Cached = %v, want %v", i+1, r.Cached, wantCached)
		}
	}

	out, err := d.run(ctx, nil, "run", "--rm", "--network", "host", "--user", "65534:65534", tag, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ok /data /tmp/hello") || !strings.HasSuffix(out, "[serve]") {
		t.Errorf("container printed %q, want ok in /data with a temp file in /tmp and argument serve", out)
	}

	js, err := d.run(ctx, nil, "image", "inspect", "--format", "{{json .Config}}", tag)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Entrypoint []string
		Env        []string
		WorkingDir string
		Volumes    map[string]struct{}
		Labels     map[string]string
	}
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/toplab"}) || cfg.WorkingDir != "/data" ||
		!slices.Contains(cfg.Env, "TMPDIR=/tmp") || !hasKey(cfg.Volumes, "/data") || cfg.Labels[LabelRecipe] != im.recipe.hash() {
		t.Errorf("image config %s", js)
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
