package assign

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
)

// DefaultInterval is the original design's heartbeat period.
const DefaultInterval = 30 * time.Second

// DefaultGroup is the coordination group of the sync workers.
const DefaultGroup = "datasync.reconcile"

// Config configures an Assigner; the zero value of every optional field
// means its default.
type Config struct {
	Coord coord.Coord // required
	ID    string      // required: this member's id, unique in the group and stable across restarts
	Group string      // default DefaultGroup
	Info  []byte      // published with each heartbeat (e.g. the worker's address)

	// Interval is the heartbeat period; default 30 s. Tests set it lower.
	Interval time.Duration
	// TTL is how long one heartbeat keeps the member alive; default
	// 2 Interval, and it must lie in (Interval, 2 Interval] (see the package
	// comment for why).
	TTL time.Duration

	Clock  clock.Clock  // default the wall clock
	Logger *slog.Logger // default slog.Default()
}

func (c Config) withDefaults() (Config, error) {
	if c.Coord == nil {
		return c, errors.New("assign: a coordinator is required")
	}
	if c.ID == "" {
		return c, errors.New("assign: a member id is required")
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.Interval < 0 || c.TTL < 0 {
		return c, errors.New("assign: interval and ttl must not be negative")
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.TTL == 0 {
		c.TTL = 2 * c.Interval
	}
	if c.TTL <= c.Interval || c.TTL > 2*c.Interval {
		return c, fmt.Errorf("assign: ttl %s must be above the interval %s and at most twice it, so a dead member's tasks move within three intervals", c.TTL, c.Interval)
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
