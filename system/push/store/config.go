package store

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// SyncPolicy says what "durable" means when Append and Confirm return.
type SyncPolicy int

const (
	// SyncFsync ends every group commit with one fdatasync: acknowledged
	// entries survive power loss.
	SyncFsync SyncPolicy = iota
	// SyncNone only calls write(2): acknowledged entries survive a process
	// kill (they are in the page cache), not power loss.
	SyncNone
)

func (p SyncPolicy) String() string {
	switch p {
	case SyncFsync:
		return "fsync"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("SyncPolicy(%d)", int(p))
}

// Tier names where a Read was served from.
type Tier int

const (
	TierHot  Tier = iota // the heap ring of recently appended entries
	TierWarm             // a memory-mapped recent segment
	TierCold             // pread from an older segment file
)

func (t Tier) String() string {
	switch t {
	case TierHot:
		return "hot"
	case TierWarm:
		return "warm"
	case TierCold:
		return "cold"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Config tunes a Store. Zero values mean the defaults.
type Config struct {
	Sync SyncPolicy
	// SegmentBytes is the preallocated size of a segment (default 64 MiB, at
	// most 1 GiB); a segment is rolled when the next Append or Confirm call
	// would not fit (a call never spans two segments).
	SegmentBytes int64
	// HotWindow: entries appended within it (on Clock) are served from the
	// heap (default 10s; negative disables the hot tier).
	HotWindow time.Duration
	// HotMaxBytes caps the payload bytes held by the hot tier (default 64 MiB).
	HotMaxBytes int64
	// WarmSegments: the newest segments (the active one included) are
	// memory-mapped read-only and served from the mapping (default 4).
	WarmSegments int
	// Retention: segments whose newest entry (by Entry.TimeMs) is older are
	// deleted, oldest first (default 72h).
	Retention time.Duration
	// MinFreeBytes: Append refuses with ErrFull when the file system has less
	// free space (default 64 MiB; negative disables the check).
	MinFreeBytes int64
	// MaxBytes caps the total size of the segments (0 = no cap).
	MaxBytes int64
	// MaxPayloadBytes bounds Entry.Payload (default 256 KiB, at most 64 MiB).
	MaxPayloadBytes int
	// IDBase: ids are IDBase+1, IDBase+2, ...; after recovery they continue
	// after the largest id found.
	IDBase int64
	// MaintainEvery is the period of the retention/eviction loop (default 1s).
	MaintainEvery time.Duration
	Clock         clock.Clock
	Logger        *slog.Logger
}

const (
	maxSegmentBytes = 1 << 30
	minSegmentBytes = 256
	maxPayloadLimit = 64 << 20
	// maxCallBytes bounds the encoded size of one Append or Confirm call so a
	// segment offset always fits in 32 bits.
	maxCallBytes = 1 << 30
)

func (c Config) withDefaults() (Config, error) {
	if c.Sync != SyncFsync && c.Sync != SyncNone {
		return c, fmt.Errorf("store: unknown sync policy %d", int(c.Sync))
	}
	if c.SegmentBytes == 0 {
		c.SegmentBytes = 64 << 20
	}
	if c.SegmentBytes < minSegmentBytes || c.SegmentBytes > maxSegmentBytes {
		return c, fmt.Errorf("store: segment size %d outside [%d, %d]", c.SegmentBytes, minSegmentBytes, maxSegmentBytes)
	}
	if c.HotWindow == 0 {
		c.HotWindow = 10 * time.Second
	}
	if c.HotMaxBytes <= 0 {
		c.HotMaxBytes = 64 << 20
	}
	if c.WarmSegments <= 0 {
		c.WarmSegments = 4
	}
	if c.Retention <= 0 {
		c.Retention = 72 * time.Hour
	}
	if c.MinFreeBytes == 0 {
		c.MinFreeBytes = 64 << 20
	}
	if c.MaxPayloadBytes <= 0 {
		c.MaxPayloadBytes = 256 << 10
	}
	if c.MaxPayloadBytes > maxPayloadLimit {
		return c, fmt.Errorf("store: max payload %d over %d", c.MaxPayloadBytes, maxPayloadLimit)
	}
	if c.IDBase < 0 {
		return c, fmt.Errorf("store: negative id base %d", c.IDBase)
	}
	if c.MaintainEvery <= 0 {
		c.MaintainEvery = time.Second
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
