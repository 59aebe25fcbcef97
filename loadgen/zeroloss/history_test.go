package zeroloss

import "testing"

func TestCheck(t *testing.T) {
	h := New()
	for k := int64(1); k <= 5; k++ {
		h.Attempt(k)
	}
	for _, k := range []int64{1, 2, 3, 4} {
		h.Ack(k)
	}
	for _, k := range []int64{1, 1, 2, 3, 5, 9} { // 4 lost, 1 duplicated, 5 unacked but delivered, 9 never attempted
		h.Receive(k)
	}
	if h.Missing() != 1 {
		t.Fatalf("missing %d", h.Missing())
	}
	r := h.Check()
	want := Report{Attempted: 5, Acked: 4, Received: 5, Deliveries: 6, Lost: 1, Unexpected: 1, Duplicates: 1, UnackedDelivered: 1, LostKeys: []int64{4}}
	if r.String() != want.String() || len(r.LostKeys) != 1 || r.LostKeys[0] != 4 || r.OK() {
		t.Fatalf("got %s %v, want %s", r, r.LostKeys, want)
	}
	h.Receive(4)
	h2 := New()
	h2.Attempt(1)
	h2.Ack(1)
	h2.Receive(1)
	if !h2.Check().OK() {
		t.Fatal("a clean run is not OK")
	}
}
