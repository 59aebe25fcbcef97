package images

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// dockerOrSkip returns the docker CLI when a daemon answers; otherwise the
// test is skipped, or fails when TOPLAB_REQUIRE_INTEGRATION=1 (CI, where a
// skipped integration test would hide a broken set-up).
func dockerOrSkip(t *testing.T) docker {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker; skipped in -short mode (`make test` runs it)")
	}
	d, err := findDocker()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err = d.run(ctx, nil, "version", "--format", "{{.Server.APIVersion}}")
	}
	if err != nil {
		msg := fmt.Sprintf("docker daemon not reachable: %v; start it with `nohup dockerd --bridge=none --iptables=false >/var/log/dockerd.log 2>&1 &` (install with `make deps`)", err)
		if os.Getenv("TOPLAB_REQUIRE_INTEGRATION") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return d
}

// serverTags are the images the integration tests start.
var serverTags = []string{RedisTag, RedisEntrypointTag, MariaDBTag, MariaDBEntrypointTag}

var (
	ensureOnce sync.Once
	ensureErr  error
)

// ensureImages builds the server images that are missing or stale (several
// minutes from nothing, milliseconds when cached), once per test binary.
func ensureImages(t *testing.T) {
	t.Helper()
	ensureOnce.Do(func() {
		start := time.Now()
		_, ensureErr = Build(context.Background(), Options{Only: serverTags, Log: testLog{t}})
		t.Logf("ensure images: %s", time.Since(start))
	})
	if ensureErr != nil {
		t.Fatal(ensureErr)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestBuildTwiceIsCached(t *testing.T) {
	dockerOrSkip(t)
	ensureImages(t)
	start := time.Now()
	rs, err := Build(context.Background(), Options{Only: serverTags, Log: testLog{t}})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(serverTags) {
		t.Fatalf("%d results, want %d", len(rs), len(serverTags))
	}
	for _, r := range rs {
		if !r.Cached || !strings.HasPrefix(r.ID, "sha256:") {
			t.Errorf("%s: Cached %v, ID %q: want a cached image", r.Tag, r.Cached, r.ID)
		}
	}
	if took > 5*time.Second {
		t.Errorf("cached Build took %s, want a couple of seconds at most", took)
	}
}

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func init() {
	// The driver logs every refused connection while the server starts.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
}
