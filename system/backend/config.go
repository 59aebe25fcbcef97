package backend

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Config configures a Node. The zero value is a working node: a fresh
// temporary data folder (removed by Close), the wall clock, no added
// latency, seed 1, 10 sellers of 20 items each plus demo_seller.
type Config struct {
	// DataDir holds the trade centre's SQLite file. Empty: a new temporary
	// folder, removed by Close (so two nodes never share one by accident).
	DataDir string
	// SyncFull makes every commit fsync (PRAGMA synchronous=FULL): durable
	// across a power cut. The default (NORMAL in WAL mode) is durable across
	// a process crash, which is what chaos does to a node.
	SyncFull bool
	// ReadConns is the number of SQLite reader connections; default 4.
	ReadConns int
	// WriteBatch is how many concurrent order writes may share one
	// transaction (group commit); default 64, 1 disables grouping.
	WriteBatch int

	Clock  clock.Clock  // default the wall clock
	Logger *slog.Logger // default JSON to stderr at Info

	// Seed drives the latency draws and the item and user catalogue; default 1.
	Seed uint64
	// Sellers is how many sellers (seller_0001 ...) to seed besides
	// demo_seller; default 10.
	Sellers int
	// ItemsPerSeller is each seeded seller's catalogue size; default 20.
	ItemsPerSeller int

	Latency LatencyConfig

	// Services are served besides the trade, item and user centres (a
	// simulated logistics centre, say); a method may be served only once.
	Services []Service

	// MaxBodyBytes bounds an API call's body; default 64 KiB.
	MaxBodyBytes int64
	// MaxInternalBodyBytes bounds an internal API body (bulk creates); default 16 MiB.
	MaxInternalBodyBytes int64
	// MaxChangeWait bounds a change-log long poll; default 30 s.
	MaxChangeWait time.Duration
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.ReadConns < 0 || c.WriteBatch < 0 || c.Sellers < 0 || c.ItemsPerSeller < 0 || c.MaxBodyBytes < 0 || c.MaxInternalBodyBytes < 0 || c.MaxChangeWait < 0 {
		return c, errors.New("backend config: counts, sizes and waits must not be negative")
	}
	if c.Sellers > 1_000_000 || c.ItemsPerSeller > 10_000 {
		return c, errors.New("backend config: at most 1,000,000 sellers of 10,000 items each")
	}
	if err := c.Latency.validate(); err != nil {
		return c, fmt.Errorf("backend config: %w", err)
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.ReadConns, 4)
	def(&c.WriteBatch, 64)
	def(&c.Sellers, 10)
	def(&c.ItemsPerSeller, 20)
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.MaxInternalBodyBytes == 0 {
		c.MaxInternalBodyBytes = 16 << 20
	}
	if c.MaxChangeWait == 0 {
		c.MaxChangeWait = 30 * time.Second
	}
	return c, nil
}
