package images

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOptionsDefaults(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name      string
		xdg       string
		mirrorEnv string
		opt       Options
		wantCache string
		wantMirr  string
	}{
		{"XDG cache", "/xdg", "", Options{}, "/xdg/toplab/images", ""},
		{"home cache", "", "", Options{}, filepath.Join(home, ".cache/toplab/images"), ""},
		{"explicit cache", "/xdg", "", Options{CacheDir: "/c"}, "/c", ""},
		{"relative cache made absolute", "", "", Options{CacheDir: "rel"}, "", ""},
		{"mirror from env", "", "http://127.0.0.1/env", Options{}, filepath.Join(home, ".cache/toplab/images"), "http://127.0.0.1/env"},
		{"explicit mirror wins", "", "http://127.0.0.1/env", Options{Mirror: "http://127.0.0.1/opt"}, filepath.Join(home, ".cache/toplab/images"), "http://127.0.0.1/opt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("XDG_CACHE_HOME", tt.xdg)
			t.Setenv(MirrorEnv, tt.mirrorEnv)
			got, err := tt.opt.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantCache
			if want == "" {
				want, _ = filepath.Abs(tt.opt.CacheDir)
			}
			if got.CacheDir != want {
				t.Errorf("CacheDir = %q, want %q", got.CacheDir, want)
			}
			if got.Mirror != tt.wantMirr {
				t.Errorf("Mirror = %q, want %q", got.Mirror, tt.wantMirr)
			}
			if got.Log == nil {
				t.Error("Log is nil")
			}
		})
	}
}

func TestOptionsImages(t *testing.T) {
	static := writeELF(t, "")
	dynamic := writeELF(t, "/lib/ld.so")
	tests := []struct {
		name    string
		opt     Options
		want    []string
		wantErr string
	}{
		{"all but toplab without binary", Options{}, AllTags()[:4], ""},
		{"all with binary", Options{Binary: static}, AllTags(), ""},
		{"only", Options{Only: []string{MariaDBEntrypointTag, RedisTag}}, []string{RedisTag, MariaDBEntrypointTag}, ""},
		{"only toplab", Options{Only: []string{ToplabTag}, Binary: static}, []string{ToplabTag}, ""},
		{"only toplab without binary", Options{Only: []string{ToplabTag}}, nil, "Options.Binary is empty"},
		{"unknown tag", Options{Only: []string{"redis:7.0"}}, nil, `unknown tag "redis:7.0"`},
		{"dynamic binary", Options{Binary: dynamic}, nil, "dynamically linked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ims, err := tt.opt.images()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("images() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, im := range ims {
				got = append(got, im.tag)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tags = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEntrypointTar(t *testing.T) {
	// A rootfs tarball as GNU tar writes it: "./"-prefixed names.
	var src bytes.Buffer
	tw := tar.NewWriter(&src)
	for _, name := range []string{"./", "./var/", "./var/lib/", "./var/lib/mysql/", "./var/lib/mysql/mysql/",
		"./var/lib/mysqlx/", "./usr/", "./usr/local/", "./usr/local/bin/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"./var/lib/mysql/ibdata1", "./var/lib/mysql/mysql/user.MAD", "./var/lib/mysqlx/keep", "./etc-file"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte("x\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rootfs.tar")
	if err := os.WriteFile(path, src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := writeEntrypointTar(&out, path, []string{"var/lib/mysql"}, "#!/bin/sh\nexec \"$@\"\n"); err != nil {
		t.Fatal(err)
	}
	got := map[string]fs.FileMode{}
	tr := tar.NewReader(&out)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[clean(h.Name)] = h.FileInfo().Mode()
	}
	for _, name := range []string{"var/lib/mysql/ibdata1", "var/lib/mysql/mysql", "var/lib/mysql/mysql/user.MAD"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s kept: the datadir must start empty", name)
		}
	}
	for _, name := range []string{"var/lib/mysql", "var/lib/mysqlx/keep", "etc-file"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s dropped", name)
		}
	}
	if m := got[entrypointPath]; m != 0o755 {
		t.Errorf("%s: mode %v, want 0755", entrypointPath, m)
	}
}

// The redis entrypoint's argument handling, run with a fake redis-server that
// prints its arguments.
func TestRedisEntrypointArgs(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	entry := filepath.Join(dir, "entrypoint.sh")
	fake := filepath.Join(dir, "redis-server")
	for name, body := range map[string]string{entry: script("redis-entrypoint.sh"), fake: "#!/bin/sh\necho redis-server \"$@\"\n"} {
		if err := os.WriteFile(name, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"redis-server"}, "redis-server --protected-mode no"},
		{[]string{"redis-server", "--port", "7000"}, "redis-server --protected-mode no --port 7000"},
		{[]string{"--port", "7000"}, "redis-server --protected-mode no --port 7000"},
		{[]string{"/etc/redis.conf"}, "redis-server /etc/redis.conf"},
		{[]string{"redis-server", "/etc/redis.conf", "--port", "7000"}, "redis-server /etc/redis.conf --port 7000"},
		{[]string{"echo", "hello"}, "hello"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(sh, append([]string{entry}, tt.args...)...)
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("ran %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindToolMissing(t *testing.T) {
	_, err := findTool("toplab-no-such-tool", "toplab-pkg")
	want := "images: toplab-no-such-tool not found: install it with `make deps` (Debian package toplab-pkg)"
	if err == nil || err.Error() != want {
		t.Fatalf("findTool error = %v, want %q", err, want)
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/a/b`:           "/a/b",
		`/a\040b`:        "/a b",
		`/a\134b\011c`:   "/a\\b\tc",
		`/trailing\04`:   `/trailing\04`,
		`/x/rootfs/proc`: "/x/rootfs/proc",
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRemoveStaleBuilds(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"build-redis-1/rootfs/etc", "debs"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "redis-x.tar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := removeStaleBuilds(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"debs", "redis-x.tar"}; !slices.Equal(names, want) {
		t.Errorf("cache dir holds %v, want %v", names, want)
	}
}
