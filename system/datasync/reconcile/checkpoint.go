package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/toplab/toplab/system/meta"
)

// Checkpoints keep, per name, the time up to which a seller was verified.
// They must be shared by every worker of the cluster: a task that moves to
// another worker resumes from the last checkpoint anyone saved.
type Checkpoints interface {
	// Load returns the saved time; ok is false when none was saved yet.
	Load(ctx context.Context, name string) (t time.Time, ok bool, err error)
	Save(ctx context.Context, name string, t time.Time) error
}

// MetaCheckpoints keeps checkpoints as cursors (Seq = Unix seconds) in the
// metadata store: the store every worker already reads its sellers and
// sessions from, durable (SQLite file or MySQL), and the home of the
// message service's own cursor. One small record per seller and kind,
// written once per verified window.
type MetaCheckpoints struct {
	Store meta.Store
}

var _ Checkpoints = MetaCheckpoints{}

func (m MetaCheckpoints) Load(ctx context.Context, name string) (time.Time, bool, error) {
	c, err := meta.Get[meta.Cursor](ctx, m.Store, name)
	if errors.Is(err, meta.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reconcile: load checkpoint %s: %w", name, err)
	}
	return time.Unix(c.Seq, 0), true, nil
}

func (m MetaCheckpoints) Save(ctx context.Context, name string, t time.Time) error {
	if _, err := meta.Put(ctx, m.Store, meta.Cursor{Name: name, Seq: t.Unix()}); err != nil {
		return fmt.Errorf("reconcile: save checkpoint %s: %w", name, err)
	}
	return nil
}

// MemCheckpoints keeps checkpoints in memory: for tests and one-process runs.
type MemCheckpoints struct {
	mu sync.Mutex
	m  map[string]time.Time
}

var _ Checkpoints = (*MemCheckpoints)(nil)

func (c *MemCheckpoints) Load(_ context.Context, name string) (time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[name]
	return t, ok, nil
}

func (c *MemCheckpoints) Save(_ context.Context, name string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]time.Time{}
	}
	c.m[name] = t
	return nil
}

// plainNick matches nicks usable in a cursor name as they are.
var plainNick = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

// Checkpoint kinds: how far the tail verified, and where the sweep is.
const (
	KindTail  = "tail"
	KindSweep = "sweep"
)

// CheckpointName names a seller's checkpoint of a kind: prefix.kind:nick, or
// a hash of the nick when it has characters a cursor name may not hold
// (nicks are UTF-8, cursor names are not). Tools use it to read or reset one.
func CheckpointName(prefix, kind, seller string) string {
	if plainNick.MatchString(seller) {
		return prefix + "." + kind + ":" + seller
	}
	sum := sha256.Sum256([]byte(seller))
	return prefix + "." + kind + ":h-" + hex.EncodeToString(sum[:16])
}
