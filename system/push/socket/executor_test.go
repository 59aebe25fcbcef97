package socket

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
func TestExecutorRunsPastBlockedWorkers(t *testing.T) {
	var logs syncBuffer
	e := newExecutor(2, slog.New(slog.NewTextHandler(&logs, nil)))
	defer e.stop()
	release := make(chan struct{})
	var blocked sync.WaitGroup
	blocked.Add(2)
	for range 2 {
		e.run(func() { blocked.Done(); <-release })
	}
	blocked.Wait() // both workers (or goroutines) are now held
	done := make(chan struct{})
	e.run(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a callback waited behind blocked workers")
	}
	close(release)

	e.run(func() { panic("bad frame") })
	ran := make(chan struct{})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "bad frame") {
		if time.Now().After(deadline) {
			t.Fatalf("panic not logged: %q", logs.String())
		}
		time.Sleep(time.Millisecond)
	}
	e.run(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("no callback ran after a panic")
	}
}

// Workers keep taking callbacks: a steady stream reuses them instead of a
// goroutine per callback.
func TestExecutorReusesWorkers(t *testing.T) {
	e := newExecutor(4, slog.Default())
	defer e.stop()
	time.Sleep(10 * time.Millisecond) // the workers reach their receive
	handed := 0
	for range 200 {
		done := make(chan struct{})
		select {
		case e.tasks <- func() { close(done) }:
			handed++
		case <-time.After(time.Second):
			t.Fatal("no idle worker took a callback")
		}
		<-done
	}
	if handed != 200 {
		t.Fatalf("%d of 200 handed to workers", handed)
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
