package assign_test

import (
	"testing"

	"github.com/toplab/toplab/system/datasync/assign"
)

func TestOwnsRule(t *testing.T) {
	tests := []struct {
		task      uint64
		rank, of  int
		wantOwner bool
	}{
		{task: 0, rank: 1, of: 1, wantOwner: true},
		{task: 7, rank: 1, of: 1, wantOwner: true},
		{task: 0, rank: 1, of: 3, wantOwner: true},
		{task: 3, rank: 1, of: 3, wantOwner: true},
		{task: 4, rank: 2, of: 3, wantOwner: true},
		{task: 5, rank: 3, of: 3, wantOwner: true},
		{task: 5, rank: 2, of: 3, wantOwner: false},
		{task: 1<<64 - 1, rank: 1, of: 2, wantOwner: false}, // odd
		{task: 1<<64 - 1, rank: 2, of: 2, wantOwner: true},
		{task: 4, rank: 0, of: 3, wantOwner: false}, // not a member
		{task: 4, rank: 4, of: 3, wantOwner: false}, // nonsense rank
		{task: 4, rank: 1, of: 0, wantOwner: false},
	}
	for _, tt := range tests {
		if got := assign.Owns(tt.task, tt.rank, tt.of); got != tt.wantOwner {
			t.Errorf("Owns(%d, %d of %d) = %v, want %v", tt.task, tt.rank, tt.of, got, tt.wantOwner)
		}
		if got := (assign.View{Rank: tt.rank, Of: tt.of}).Owns(tt.task); got != tt.wantOwner {
			t.Errorf("View{%d of %d}.Owns(%d) = %v, want %v", tt.rank, tt.of, tt.task, got, tt.wantOwner)
		}
	}
	// Every task has exactly one owner among x members ranked 1..x.
	for of := 1; of <= 5; of++ {
		for task := range uint64(50) {
			n := 0
			for rank := 1; rank <= of; rank++ {
				if assign.Owns(task, rank, of) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("task %d has %d owners among %d members", task, n, of)
			}
		}
	}
}
