package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

const crashChildEnv = "TOPLAB_STORE_CRASH_CHILD"

// TestCrashChild is the child of TestRecoverAfterKill: it appends and
// confirms until it is killed, printing what was acknowledged.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestRecoverAfterKill")
	}
	s, err := Open(dir, Config{SegmentBytes: 16 << 10, MinFreeBytes: -1, Logger: testLogger(io.Discard)})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			queue := fmt.Sprintf("crash/%d", g)
			for n := 0; ; n++ {
				ids, err := s.Append(context.Background(), []Entry{{Queue: queue, TimeMs: time.Now().UnixMilli(), Payload: payloadFor(queue, n)}})
				if err != nil {
					say("ERR %v", err)
					return
				}
				say("A %s %d %d", queue, ids[0], n)
				if n%3 == 0 {
					if _, err := s.Confirm(context.Background(), queue, ids); err != nil {
						say("ERR %v", err)
						return
					}
					say("C %s %d", queue, ids[0])
				}
			}
		})
	}
	wg.Wait()
	os.Exit(1)
}

func TestRecoverAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := newModel()
	confirmed := map[int64]bool{}
	mayConfirm := map[int64]bool{} // the child confirms every third entry right after its append
	sc := bufio.NewScanner(stdout)
	acked, killed := 0, false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "A":
			var id int64
			var n int
			fmt.Sscan(f[2], &id)
			fmt.Sscan(f[3], &n)
			m.add(f[1], id, payloadFor(f[1], n))
			mayConfirm[id] = n%3 == 0
			acked++
		case len(f) == 3 && f[0] == "C":
			var id int64
			fmt.Sscan(f[2], &id)
			confirmed[id] = true
		case len(f) > 0 && f[0] == "ERR":
			t.Fatalf("child: %s", sc.Text())
		}
		if acked >= 2000 && !killed {
			cmd.Process.Kill() // SIGKILL: no Close, no deferred anything
			killed = true
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child stopped after %d acknowledged appends", acked)
	}
	s := openStore(t, dir, Config{SegmentBytes: 16 << 10, MinFreeBytes: -1, Logger: testLogger(&logBuffer{})})
	rec := s.Stats().Recovery
	t.Logf("after kill -9 with %d acknowledged appends: %+v", acked, rec)
	if rec.Corrupt != 0 {
		t.Fatalf("a killed process left corruption: %+v", rec)
	}
	for id, p := range m.payloads {
		q := m.queues[id]
		e, _, err := s.Read(q, id)
		pending := containsID(s.Pending(q, id-1, 1), id)
		switch {
		case confirmed[id]:
			if pending {
				t.Fatalf("acknowledged confirm of %d lost: still pending", id)
			}
			continue
		case mayConfirm[id] && !pending:
			continue // its confirm was written but not yet acknowledged when the child died
		}
		if err != nil || !bytes.Equal(e.Payload, p) || !pending {
			t.Fatalf("acknowledged entry %d of %s: %q, %v; want %q", id, q, e.Payload, err, p)
		}
	}
}

func containsID(ps []Pending, id int64) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
