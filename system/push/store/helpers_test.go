package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

var t0 = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

// logBuffer collects a store's log so tests can check what was reported.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testConfig is small segments, a fake clock and no free-space floor.
func testConfig(clk clock.Clock) Config {
	return Config{
		SegmentBytes: 4 << 10,
		MinFreeBytes: -1,
		Clock:        clk,
		Logger:       testLogger(io.Discard),
	}
}

func openStore(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func payloadFor(queue string, n int) []byte {
	return []byte(fmt.Sprintf("%s:payload:%06d:%s", queue, n, strings.Repeat("x", n%50)))
}

// model is what the test expects the store to hold.
type model struct {
	mu       sync.Mutex
	payloads map[int64][]byte
	queues   map[int64]string
	live     map[int64]bool
}

func newModel() *model {
	return &model{payloads: map[int64][]byte{}, queues: map[int64]string{}, live: map[int64]bool{}}
}

func (m *model) add(queue string, id int64, p []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.payloads[id], m.queues[id], m.live[id] = p, queue, true
}

func (m *model) pending(queue string) []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int64
	for id, ok := range m.live {
		if ok && m.queues[id] == queue {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// appendN appends n entries to queue one call each and records them in m.
func appendN(t testing.TB, s *Store, m *model, queue string, n int, timeMs int64) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		p := payloadFor(queue, len(m.payloads)+i)
		got, err := s.Append(context.Background(), []Entry{{Queue: queue, TimeMs: timeMs, Payload: p}})
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		m.add(queue, got[0], p)
		ids = append(ids, got[0])
	}
	return ids
}

// checkModel asserts every live entry of m is pending and readable with its payload.
func checkModel(t testing.TB, s *Store, m *model) {
	t.Helper()
	queues := map[string]bool{}
	for _, q := range m.queues {
		queues[q] = true
	}
	for q := range queues {
		want := m.pending(q)
		got := s.Pending(q, 0, len(want)+10)
		if len(got) != len(want) {
			t.Fatalf("Pending(%s) = %d entries, want %d", q, len(got), len(want))
		}
		for i, p := range got {
			if p.ID != want[i] {
				t.Fatalf("Pending(%s)[%d] = %d, want %d", q, i, p.ID, want[i])
			}
			e, _, err := s.Read(q, p.ID)
			if err != nil {
				t.Fatalf("Read(%s, %d): %v", q, p.ID, err)
			}
			if !bytes.Equal(e.Payload, m.payloads[p.ID]) {
				t.Fatalf("Read(%s, %d) payload %q, want %q", q, p.ID, e.Payload, m.payloads[p.ID])
			}
		}
		if n := s.PendingCount(q); n != len(want) {
			t.Fatalf("PendingCount(%s) = %d, want %d", q, n, len(want))
		}
	}
}

// copyDir copies the regular files of src into a new temp dir, as a crash
// would leave them (the store in src stays open).
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func segmentPaths(t testing.TB, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	return paths
}

// eventually polls cond (no fixed sleep decides the outcome; the deadline
// only stops a hung test).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
