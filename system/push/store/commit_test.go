package store

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

func TestGroupCommitBatches(t *testing.T) {
	const appenders, each = 32, 20
	tests := []struct {
		sync       SyncPolicy
		wantFsyncs bool
	}{
		{SyncFsync, true},
		{SyncNone, false},
	}
	for _, tc := range tests {
		t.Run(tc.sync.String(), func(t *testing.T) {
			s := openStore(t, t.TempDir(), Config{Sync: tc.sync, MinFreeBytes: -1, Logger: testLogger(io.Discard)})
			m := newModel()
			start := make(chan struct{})
			var wg sync.WaitGroup
			for g := range appenders {
				wg.Go(func() {
					<-start
					queue := fmt.Sprintf("app/%d", g)
					for i := range each {
						p := payloadFor(queue, i)
						ids, err := s.Append(context.Background(), []Entry{{Queue: queue, TimeMs: time.Now().UnixMilli(), Payload: p}})
						if err != nil {
							t.Error(err)
							return
						}
						m.add(queue, ids[0], p)
					}
				})
			}
			close(start)
			wg.Wait()
			st := s.Stats()
			t.Logf("%s: %d appends in %d commits (mean batch %.1f), %d fsyncs", tc.sync, st.Appended, st.Commits, float64(st.CommitRequests)/float64(st.Commits), st.Fsyncs)
			if st.Appended != appenders*each || st.CommitRequests != appenders*each {
				t.Fatalf("appended %d in %d requests, want %d", st.Appended, st.CommitRequests, appenders*each)
			}
			if tc.wantFsyncs && st.Commits >= st.CommitRequests {
				t.Fatalf("%d commits for %d requests: no batching", st.Commits, st.CommitRequests)
			}
			if tc.wantFsyncs && (st.Fsyncs == 0 || st.Fsyncs >= st.Appended) {
				t.Fatalf("%d fsyncs for %d appends; want 0 < fsyncs < appends", st.Fsyncs, st.Appended)
			}
			if !tc.wantFsyncs && st.Fsyncs != 0 {
				t.Fatalf("%d fsyncs under SyncNone", st.Fsyncs)
			}
			ids := slices.Sorted(func(yield func(int64) bool) {
				for id := range m.payloads {
					if !yield(id) {
						return
					}
				}
			})
			if len(ids) != appenders*each || ids[0] != 1 || ids[len(ids)-1] != appenders*each {
				t.Fatalf("ids not dense 1..%d: %d ids from %d to %d", appenders*each, len(ids), ids[0], ids[len(ids)-1])
			}
			checkModel(t, s, m)
		})
	}
}

func TestAppendAssignsIDsInOrder(t *testing.T) {
	s := openStore(t, t.TempDir(), testConfig(clock.NewFake(t0)))
	var entries []Entry
	for i := range 50 {
		entries = append(entries, Entry{Queue: fmt.Sprintf("q/%d", i%3), Payload: []byte{byte(i)}})
	}
	ids, err := s.Append(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("ids[%d] = %d, want %d", i, id, i+1)
		}
		e, _, err := s.Read(entries[i].Queue, id)
		if err != nil || len(e.Payload) != 1 || e.Payload[0] != byte(i) {
			t.Fatalf("Read(%d) = %v, %v", id, e.Payload, err)
		}
	}
	// The caller may reuse its entries as soon as Append returns.
	entries[0].Payload[0] = 99
	if e, _, _ := s.Read("q/0", ids[0]); e.Payload[0] != 0 {
		t.Fatal("the store kept a reference to the caller's payload")
	}
}

// TestConcurrentUse runs appenders, confirmers, readers and the maintenance
// loop together (meant for -race) and checks the result against the model.
func TestConcurrentUse(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := testConfig(clk)
	cfg.SegmentBytes = 2 << 10
	cfg.WarmSegments = 2
	cfg.MaintainEvery = time.Second
	cfg.Retention = 10 * 365 * 24 * time.Hour // the fake clock races ahead; nothing may expire
	dir := t.TempDir()
	s := openStore(t, dir, cfg)
	m := newModel()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		queue := fmt.Sprintf("c/%d", g)
		wg.Go(func() {
			for i := range 100 {
				p := payloadFor(queue, i)
				ids, err := s.Append(ctx, []Entry{{Queue: queue, TimeMs: t0.UnixMilli(), Payload: p}})
				if err != nil {
					t.Error(err)
					return
				}
				m.add(queue, ids[0], p)
				if i%2 == 0 {
					if n, err := s.Confirm(ctx, queue, ids); err != nil || n != 1 {
						t.Errorf("Confirm = %d, %v", n, err)
						return
					}
					m.mu.Lock()
					m.live[ids[0]] = false
					m.mu.Unlock()
				}
				for _, p := range s.Pending(queue, 0, 5) {
					if _, _, err := s.Read(queue, p.ID); err != nil && err != ErrNotFound {
						t.Errorf("Read(%d): %v", p.ID, err)
					}
				}
			}
		})
	}
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				clk.Advance(time.Second) // ages the hot tier, runs the maintenance loop
				s.Stats()
			}
		}
	})
	wg.Wait()
	close(stop)
	ticker.Wait()
	checkModel(t, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModel(t, openStore(t, dir, cfg), m)
}

// A confirm batch of several queues is one request, does not fsync on its
// own, and is on disk for the next open all the same (the append's sync or
// the close covers it).
func TestConfirmManyWithoutItsOwnSync(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(nil)
	cfg.Sync = SyncFsync
	s := openStore(t, dir, cfg)
	m := newModel()
	a := appendN(t, s, m, "app/a", 3, 1)
	b := appendN(t, s, m, "app/b", 3, 1)
	before := s.Stats()
	n, err := s.ConfirmMany(context.Background(), []QueueIDs{
		{Queue: "app/a", IDs: []int64{a[0], a[2], b[0]}}, // b[0] is not app/a's: ignored
		{Queue: "app/b", IDs: []int64{b[1], b[1]}},
		{Queue: "", IDs: []int64{a[1]}}, // no such queue: ignored
	})
	if err != nil || n != 3 {
		t.Fatalf("ConfirmMany = %d, %v; want 3 newly confirmed", n, err)
	}
	after := s.Stats()
	if reqs := after.CommitRequests - before.CommitRequests; reqs != 1 {
		t.Fatalf("%d commit requests for one ConfirmMany, want 1", reqs)
	}
	if after.Fsyncs != before.Fsyncs {
		t.Fatalf("a confirm-only commit fsynced (%d -> %d)", before.Fsyncs, after.Fsyncs)
	}
	for _, id := range []int64{a[0], a[2], b[1]} {
		m.live[id] = false
	}
	checkModel(t, s, m)
	appendN(t, s, m, "app/a", 1, 1)
	if s.Stats().Fsyncs == after.Fsyncs {
		t.Fatal("an append after the confirms did not fsync")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModel(t, openStore(t, dir, cfg), m)
}
