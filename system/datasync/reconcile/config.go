package reconcile

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Config configures a Reconciler; the zero value of every optional field
// means its default.
type Config struct {
	Platform    Platform     // required: e.g. SDKPlatform
	Store       Store        // required: the seller database (*sellerdb.DB)
	Checkpoints Checkpoints  // required: shared by the cluster, e.g. MetaCheckpoints
	Sellers     SellerLister // required: each seller is one task, id TaskID(nick)
	Owner       Owner        // which tasks are ours; nil: all of them (a single worker)

	// Interval is the period of the tail pass; default 1 min.
	Interval time.Duration
	// Overlap is how far before the checkpoint each tail window starts;
	// default 60 s, at least 1 s.
	Overlap time.Duration
	// Lag is how far behind now the tail stops, so changes still committing
	// are not passed over; default 10 s.
	Lag time.Duration
	// Window is the longest window one listing covers; default and at most
	// MaxWindow (24 h, the API's limit). A window holding more than
	// MaxWindowOrders orders is split in halves.
	Window          time.Duration
	MaxWindowOrders int // default 20,000
	// Horizon is how far back the sweep re-verifies, and where a seller's
	// first run starts unless Start is set; default 7 days.
	Horizon time.Duration
	// Start, when set, is the first run's checkpoint for sellers without one.
	Start time.Time
	// SweepWindow is the span one sweep step verifies (default 1 h);
	// SweepEvery is how often each owned seller takes a step (default
	// 1 min, so a 7-day horizon is swept every 2.8 h). A negative
	// SweepEvery disables the sweep.
	SweepWindow time.Duration
	SweepEvery  time.Duration

	PageSize    int // default and at most MaxPageSize
	RepairBatch int // docs per Repair transaction, default 200
	Concurrency int // sellers reconciled at once, default 2

	// CheckpointPrefix namespaces the checkpoint names (one per cluster
	// when clusters reconcile the same seller); default "datasync.reconcile".
	CheckpointPrefix string

	Clock  clock.Clock  // default the wall clock
	Logger *slog.Logger // default slog.Default()
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,48}$`)

func (c Config) withDefaults() (Config, error) {
	if c.Platform == nil || c.Store == nil || c.Checkpoints == nil || c.Sellers == nil {
		return c, errors.New("reconcile: a platform, a store, checkpoints and a seller list are required")
	}
	for _, d := range []time.Duration{c.Interval, c.Overlap, c.Lag, c.Window, c.Horizon, c.SweepWindow} {
		if d < 0 {
			return c, errors.New("reconcile: durations must not be negative")
		}
	}
	if c.MaxWindowOrders < 0 || c.PageSize < 0 || c.RepairBatch < 0 || c.Concurrency < 0 {
		return c, errors.New("reconcile: counts must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Interval, time.Minute)
	def(&c.Overlap, time.Minute)
	def(&c.Lag, 10*time.Second)
	def(&c.Window, MaxWindow)
	def(&c.Horizon, 7*24*time.Hour)
	def(&c.SweepWindow, time.Hour)
	def(&c.SweepEvery, time.Minute)
	defInt := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	defInt(&c.MaxWindowOrders, 20000)
	defInt(&c.PageSize, MaxPageSize)
	defInt(&c.RepairBatch, 200)
	defInt(&c.Concurrency, 2)
	switch {
	case c.Overlap < time.Second:
		return c, fmt.Errorf("reconcile: overlap %s must be at least 1 s, or an order changed on the boundary second may be missed", c.Overlap)
	case c.Window > MaxWindow:
		return c, fmt.Errorf("reconcile: window %s exceeds the API's limit of %s", c.Window, MaxWindow)
	case c.Window < 2*c.Overlap:
		return c, fmt.Errorf("reconcile: window %s must be at least twice the overlap %s, or the tail cannot move", c.Window, c.Overlap)
	case c.SweepWindow > MaxWindow:
		return c, fmt.Errorf("reconcile: sweep window %s exceeds the API's limit of %s", c.SweepWindow, MaxWindow)
	case c.PageSize > MaxPageSize:
		return c, fmt.Errorf("reconcile: page size %d exceeds the API's limit of %d", c.PageSize, MaxPageSize)
	}
	if c.CheckpointPrefix == "" {
		c.CheckpointPrefix = "datasync.reconcile"
	}
	if !prefixPattern.MatchString(c.CheckpointPrefix) {
		return c, fmt.Errorf("reconcile: checkpoint prefix %q must be 1-48 characters of letters, digits and _.@-", c.CheckpointPrefix)
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
