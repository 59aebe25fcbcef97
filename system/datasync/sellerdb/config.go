package sellerdb

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Drivers.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// Write modes.
const (
	// ModeConditional sends one guarded UPDATE per doc, plus a guarded
	// insert when it changed nothing.
	ModeConditional = "conditional"
	// ModeSelectUpdate is the old pattern, kept to compare with: SELECT the
	// row, then the guarded UPDATE or insert it needs.
	ModeSelectUpdate = "select-update"
)

// Config configures a DB; the zero value (plus DSN) is a SQLite file with defaults.
type Config struct {
	Driver       string // DriverSQLite (default) or DriverMySQL
	DSN          string // sqlite: file path; mysql: go-sql-driver DSN
	WriteMode    string // ModeConditional (default) or ModeSelectUpdate
	CacheSize    int    // entries of the last-written cache; default 100000, negative disables it
	MaxOpenConns int    // default 4 for sqlite, 16 for mysql
	Retry        Retry
	Clock        clock.Clock // every wait and every jdp_created/jdp_modified stamp; default the wall clock
}

// Retry bounds the retries of a transaction that failed for a transient
// reason. Waits are full jitter: uniform in [0, min(Max, Base*2^n)).
type Retry struct {
	Attempts int           // tries in all, the first included; default 8
	Base     time.Duration // default 20 ms
	Max      time.Duration // default 2 s
}

const (
	defaultCacheSize   = 100000
	defaultSQLiteConns = 4
	defaultMySQLConns  = 16
	defaultAttempts    = 8
	defaultRetryBase   = 20 * time.Millisecond
	defaultRetryMax    = 2 * time.Second
)

// withDefaults validates c and fills its zero values.
func (c Config) withDefaults() (Config, error) {
	switch c.Driver {
	case "":
		c.Driver = DriverSQLite
	case DriverSQLite, DriverMySQL:
	default:
		return c, fmt.Errorf("sellerdb: driver %q: want %q or %q", c.Driver, DriverSQLite, DriverMySQL)
	}
	if c.DSN == "" {
		return c, fmt.Errorf("sellerdb: empty dsn")
	}
	switch c.WriteMode {
	case "":
		c.WriteMode = ModeConditional
	case ModeConditional, ModeSelectUpdate:
	default:
		return c, fmt.Errorf("sellerdb: write mode %q: want %q or %q", c.WriteMode, ModeConditional, ModeSelectUpdate)
	}
	if c.CacheSize == 0 {
		c.CacheSize = defaultCacheSize
	}
	if c.MaxOpenConns < 0 {
		return c, fmt.Errorf("sellerdb: max open conns %d is negative", c.MaxOpenConns)
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = defaultMySQLConns
		if c.Driver == DriverSQLite {
			c.MaxOpenConns = defaultSQLiteConns
		}
	}
	r := &c.Retry
	if r.Attempts < 0 || r.Base < 0 || r.Max < 0 {
		return c, fmt.Errorf("sellerdb: negative retry setting %+v", *r)
	}
	if r.Attempts == 0 {
		r.Attempts = defaultAttempts
	}
	if r.Base == 0 {
		r.Base = defaultRetryBase
	}
	if r.Max == 0 {
		r.Max = defaultRetryMax
	}
	if r.Max < r.Base {
		return c, fmt.Errorf("sellerdb: retry max %s is below base %s", r.Max, r.Base)
	}
	c.Clock = clock.Or(c.Clock)
	return c, nil
}
