package push

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// Calls made while one is in flight share the next call, answers go back
// to their callers in order, and a failed call fails all of its batch.
func TestCallBatcherCoalesces(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	b := &callBatcher[int, int]{send: func(reqs []int) ([]int, error) {
		mu.Lock()
		sizes = append(sizes, len(reqs))
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			<-release // hold the first call in flight
		}
		if reqs[0] < 0 {
			return nil, errors.New("boom")
		}
		out := make([]int, len(reqs))
		for i, r := range reqs {
			out[i] = r * 10
		}
		return out, nil
	}}
	ctx := context.Background()
	firstDone := make(chan int)
	go func() { v, _ := b.do(ctx, 1); firstDone <- v }()
	eventually(t, "the first call in flight", func() bool { mu.Lock(); defer mu.Unlock(); return len(sizes) == 1 })
	var wg sync.WaitGroup
	got := make([]int, 5)
	for i := range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = b.do(ctx, i+2) }()
	}
	eventually(t, "five queued calls", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == 5 })
	close(release)
	wg.Wait()
	if v := <-firstDone; v != 10 {
		t.Fatalf("first call got %d", v)
	}
	for i, v := range got {
		if v != (i+2)*10 {
			t.Fatalf("call %d got %d", i, v)
		}
	}
	if len(sizes) != 2 || sizes[1] != 5 {
		t.Fatalf("batches %v, want [1 5]", sizes)
	}
	if _, err := b.do(ctx, -1); err == nil {
		t.Fatal("a failed batch reported success")
	}
}
