package push

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Each pop of the event heap is the earliest event it holds, whatever the
// order of pushes, with pops interleaved.
func TestEventHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Unix(1_800_000_000, 0)
	var h eventHeap
	var held []int64 // the reference: what the heap should hold
	pop := func() {
		least := slices.Min(held)
		if got := h.pop(); got.id != least || !got.at.Equal(base.Add(time.Duration(least)*time.Millisecond)) {
			t.Fatalf("pop = %d, want the earliest held, %d", got.id, least)
		}
		k := slices.Index(held, least)
		held = slices.Delete(held, k, k+1)
	}
	for range 50 {
		for range r.IntN(40) {
			ms := r.Int64N(10_000)
			h.push(timerEvent{at: base.Add(time.Duration(ms) * time.Millisecond), id: ms})
			held = append(held, ms)
		}
		for range r.IntN(30) {
			if len(held) > 0 {
				pop()
			}
		}
	}
	for len(held) > 0 {
		pop()
	}
	if len(h) != 0 {
		t.Fatalf("%d events left", len(h))
	}
}

// isJSONObject agrees with decoding into a map.
func FuzzIsJSONObject(f *testing.F) {
	for _, s := range []string{`{"tid":1}`, ` {}`, `null`, `[]`, `{"a":`, `"x"`, `{} {}`, "\t{\"a\":[1,2]}\n", ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var obj map[string]json.RawMessage
		want := json.Unmarshal(b, &obj) == nil && obj != nil
		if got := isJSONObject(b); got != want {
			t.Fatalf("%q: isJSONObject %v, decoding into a map says %v", b, got, want)
		}
	})
}
