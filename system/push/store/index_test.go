package store

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

func TestEntryIsCompact(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 32 {
		t.Fatalf("index entry is %d bytes, want 32", n)
	}
}

// TestQueueIndexMatchesModel drives a queue index with random appends,
// confirms (mostly in order, some scattered) and segment drops and compares
// every answer with a plain sorted slice.
func TestQueueIndexMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q queueIndex
	var model []entry // live entries, ascending
	nextID, seg := int64(1), uint32(1)
	check := func(step int) {
		t.Helper()
		if q.live != len(model) {
			t.Fatalf("step %d: live %d, model %d", step, q.live, len(model))
		}
		var got []entry
		q.after(0, func(e *entry) bool { got = append(got, *e); return true })
		if !slices.Equal(got, model) {
			t.Fatalf("step %d: index lists %d entries, model %d", step, len(got), len(model))
		}
		for _, c := range q.chunks {
			if c.live == 0 || len(c.ents) == 0 {
				t.Fatalf("step %d: empty chunk kept", step)
			}
		}
	}
	for step := range 20000 {
		switch op := rng.IntN(100); {
		case op < 50:
			e := entry{id: nextID, timeMs: nextID * 10, seg: seg}
			nextID += 1 + int64(rng.IntN(3))
			if !q.add(e) {
				t.Fatalf("add %d refused", e.id)
			}
			model = append(model, e)
			if rng.IntN(50) == 0 {
				seg++
			}
		case op < 90 && len(model) > 0:
			i := 0
			if rng.IntN(4) == 0 {
				i = rng.IntN(len(model))
			}
			if _, ok := q.confirm(model[i].id); !ok {
				t.Fatalf("confirm %d refused", model[i].id)
			}
			if _, ok := q.confirm(model[i].id); ok {
				t.Fatalf("confirmed %d twice", model[i].id)
			}
			model = slices.Delete(model, i, i+1)
		case op < 92 && len(model) > 0:
			through := model[0].seg
			want := 0
			for len(model) > 0 && model[0].seg <= through {
				model = model[1:]
				want++
			}
			if got := q.dropThrough(through); got != want {
				t.Fatalf("dropThrough(%d) = %d, want %d", through, got, want)
			}
		case len(model) > 0:
			after := model[rng.IntN(len(model))].id - int64(rng.IntN(2))
			max := 1 + rng.IntN(20)
			var got []int64
			q.after(after, func(e *entry) bool { got = append(got, e.id); return len(got) < max })
			var want []int64
			for _, e := range model {
				if e.id > after && len(want) < max {
					want = append(want, e.id)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("after(%d, %d) = %v, want %v", after, max, got, want)
			}
			for _, id := range want {
				if _, ok := q.get(id); !ok {
					t.Fatalf("get(%d) missed", id)
				}
			}
		}
		if step%500 == 0 {
			check(step)
		}
	}
	check(-1)
	if q.add(entry{id: 1}) {
		t.Fatal("an id below the newest was accepted")
	}
}

// TestIndexMemoryPerEntry bounds the heap an unconfirmed backlog costs.
func TestIndexMemoryPerEntry(t *testing.T) {
	var q queueIndex
	const n = 1_000_000
	for i := range n {
		q.add(entry{id: int64(i + 1), seg: uint32(i / 100000)})
	}
	bytes := len(q.chunks) * int(unsafe.Sizeof(chunk{})+unsafe.Sizeof(&chunk{}))
	for _, c := range q.chunks {
		bytes += cap(c.ents) * int(unsafe.Sizeof(entry{}))
	}
	if per := float64(bytes) / n; per > 40 {
		t.Fatalf("%.1f bytes per unconfirmed entry, want <= 40", per)
	} else {
		t.Logf("%.2f bytes per unconfirmed entry", per)
	}
}

// A queue whose messages are confirmed as they arrive empties its only
// chunk on every confirm; the chunk is recycled instead of a fresh 32 KiB
// array being allocated for the next message. (Bytes, not counts: under
// -race sync.Pool drops a quarter of what it is given.)
func TestKeptUpQueueRecyclesItsChunk(t *testing.T) {
	var q queueIndex
	cycle := func(id int64) {
		q.add(entry{id: id})
		if _, ok := q.confirm(id); !ok {
			t.Fatalf("confirm %d failed", id)
		}
	}
	cycle(1)
	const n = 1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range int64(n) {
		cycle(i + 2)
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.TotalAlloc-before.TotalAlloc) / n; per > chunkCap*32/2 {
		t.Fatalf("%.0f bytes allocated per message of a kept-up queue: chunks are not recycled", per)
	}
	if len(q.chunks) != 0 || q.live != 0 {
		t.Fatalf("%d chunks, %d live after confirming everything", len(q.chunks), q.live)
	}
}
