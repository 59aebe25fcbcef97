package workpool

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every callback runs, even with every worker blocked, and a panicking one
// is logged while the workers go on.
func TestPoolRunsPastBlockedWorkers(t *testing.T) {
	var logs syncBuffer
	e := New(2, slog.New(slog.NewTextHandler(&logs, nil)))
	defer e.Stop()
	release := make(chan struct{})
	var blocked sync.WaitGroup
	blocked.Add(2)
	for range 2 {
		e.Go(func() { blocked.Done(); <-release })
	}
	blocked.Wait() // both workers (or goroutines) are now held
	done := make(chan struct{})
	e.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a callback waited behind blocked workers")
	}
	close(release)

	e.Go(func() { panic("bad frame") })
	ran := make(chan struct{})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "bad frame") {
		if time.Now().After(deadline) {
			t.Fatalf("panic not logged: %q", logs.String())
		}
		time.Sleep(time.Millisecond)
	}
	e.Go(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("no callback ran after a panic")
	}
}

// A steady stream of callbacks, one at a time, is taken by the workers
// rather than a goroutine per callback.
func TestPoolReusesWorkers(t *testing.T) {
	e := New(4, slog.Default())
	defer e.Stop()
	time.Sleep(20 * time.Millisecond) // the workers reach their receive
	for range 200 {
		done := make(chan struct{})
		e.Go(func() { close(done) })
		<-done
		time.Sleep(100 * time.Microsecond) // the worker is back at its receive
	}
	if handed, spawned := e.Counts(); handed < 150 || handed+spawned != 200 {
		t.Fatalf("%d callbacks on workers, %d on goroutines of their own, of 200", handed, spawned)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Past the resident workers, the goroutines started for a burst stay on as
// workers: the next burst of the same size starts none.
func TestPoolGrowsToItsConcurrency(t *testing.T) {
	e := New(1, slog.Default())
	defer e.Stop()
	burst := func() {
		release := make(chan struct{})
		var started sync.WaitGroup
		started.Add(8)
		for range 8 {
			e.Go(func() { started.Done(); <-release })
		}
		started.Wait()
		close(release)
		time.Sleep(50 * time.Millisecond) // every goroutine is back at its receive
	}
	burst()
	_, first := e.Counts()
	burst()
	_, second := e.Counts()
	if first == 0 || second != first {
		t.Fatalf("goroutines started: %d in the first burst, %d more in the second", first, second-first)
	}
}
