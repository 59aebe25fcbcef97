// Package coord is how nodes coordinate: change notices (metadata
// invalidation, push notifications), heartbeats with sorted membership
// (sync workers, the push registry) and leases (flow-control shares, owner
// election). Two implementations share one contract: a SQLite file shared by
// the local processes of one machine (the embedded default) and Redis (a
// cluster). Times come from the injected clock, so expiry is testable.
package coord

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Notice is one published change.
type Notice struct {
	Seq     int64 // increasing per topic in publish order (Redis: per stream)
	Topic   string
	Payload []byte
	Time    time.Time // when it was published
}

// Member is one alive member of a group.
type Member struct {
	ID      string
	Info    []byte
	Expires time.Time
}

// Coord is the coordination layer.
type Coord interface {
	// Publish appends a notice to topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn, from one goroutine and in publish order, for every
	// notice of topic published after Subscribe returns, until ctx ends.
	Subscribe(ctx context.Context, topic string, fn func(Notice)) error
	// Heartbeat marks member alive in group until ttl passes.
	Heartbeat(ctx context.Context, group, member string, info []byte, ttl time.Duration) error
	// Leave removes member from group at once.
	Leave(ctx context.Context, group, member string) error
	// Members returns the alive members of group sorted by ID.
	Members(ctx context.Context, group string) ([]Member, error)
	// Acquire takes lease name for holder, or renews it when holder has it;
	// it reports false when another holder's lease has not expired.
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release gives the lease up if holder has it.
	Release(ctx context.Context, name, holder string) error
	Close() error
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("coord: closed")

// Rank returns the 1-based position of id among members and their count
// (the assignment rule: the member ranked y of x takes tasks with
// id % x == y-1), or 0 when id is not a member.
func Rank(members []Member, id string) (rank, of int) {
	for i, m := range members {
		if m.ID == id {
			return i + 1, len(members)
		}
	}
	return 0, len(members)
}

func sortMembers(ms []Member) {
	slices.SortFunc(ms, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
}
