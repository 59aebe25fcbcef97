package assign

import (
	"slices"
	"time"
)

// View is what one member knows of the group after a refresh.
type View struct {
	Rank     int      // 1-based rank of this member among the alive ones; 0 when not a member
	Of       int      // how many members are alive
	Members  []string // alive member ids, sorted
	Beats    uint64   // heartbeats this member has sent successfully
	Failures uint64   // failed heartbeats and member-list reads (the view was kept)
	At       time.Time
}

// Owns reports whether the member ranked Rank of Of takes task: id % x == y-1.
func (v View) Owns(task uint64) bool {
	return Owns(task, v.Rank, v.Of)
}

// Owns is the assignment rule: the member ranked rank of of takes the tasks
// with task % of == rank-1. A rank of 0 (not a member) owns nothing.
func Owns(task uint64, rank, of int) bool {
	if rank < 1 || of < 1 || rank > of {
		return false
	}
	return task%uint64(of) == uint64(rank-1)
}

// sameAssignment reports whether two views give the member the same tasks.
func sameAssignment(a, b View) bool {
	return a.Rank == b.Rank && a.Of == b.Of
}

func (v View) clone() View {
	v.Members = slices.Clone(v.Members)
	return v
}
