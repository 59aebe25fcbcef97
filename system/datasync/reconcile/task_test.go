package reconcile

import (
	"regexp"
	"testing"
)

// cursorName is the metadata store's id rule for cursors.
var cursorName = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,128}$`)

// Task ids are a pure function of the nick: every worker, whatever its
// seller list, gives a seller the same id. Pinned, because changing the
// function would move every seller to another worker at upgrade time.
func TestTaskIDIsStable(t *testing.T) {
	tests := []struct {
		seller string
		want   uint64
	}{
		{"", 0xcbf29ce484222325}, // the FNV-1a 64 offset basis
		{"a", 0xaf63dc4c8601ec8c},
		{"demo_seller", 0x4997d50100ee5d2c},
		{"seller_0001", 0x9174642c1fcd2508},
	}
	for _, tt := range tests {
		if got := TaskID(tt.seller); got != tt.want {
			t.Errorf("TaskID(%q) = %#x, want %#x", tt.seller, got, tt.want)
		}
	}
	if TaskID("seller_0001") == TaskID("seller_0002") {
		t.Fatal("neighbouring nicks collide")
	}
}
