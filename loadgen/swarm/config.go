package swarm

import (
	"io"
	"net/netip"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Config describes a swarm; zero values mean the defaults.
type Config struct {
	URL   string // ws://host:port/path of the node
	Conns int    // connections to open
	// SourceIPs are the local addresses connections bind, round robin
	// (connection i uses SourceIPs[i%len]); none lets the kernel choose.
	SourceIPs []netip.Addr
	// FirstFrame, if set, gives the binary message connection i sends right
	// after the upgrade (a TMC CONNECT, say); the connection then counts as
	// open only once one reply message arrived, which CheckReply may judge.
	FirstFrame func(i int) []byte
	CheckReply func(i int, reply []byte) error

	Concurrency int           // connections being dialled at once; default 256
	DialTimeout time.Duration // per connection: connect, upgrade, first reply; default 10 s
	Timeout     time.Duration // bound on the whole of DialIdle; default 10 min

	Progress      io.Writer     // live progress line; nil = none
	ProgressEvery time.Duration // default 1 s
	Clock         clock.Clock   // for the progress ticker and elapsed times; nil = real

	Pollers       int // epoll goroutines holding the open connections; default 1
	MaxFrameBytes int // largest inbound message accepted; default 1 MiB
}

// Defaults of Config's zero values.
const (
	DefaultConcurrency   = 256
	DefaultDialTimeout   = 10 * time.Second
	DefaultTimeout       = 10 * time.Minute
	DefaultMaxFrameBytes = 1 << 20
)

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	c.Concurrency = min(c.Concurrency, max(c.Conns, 1))
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = time.Second
	}
	c.Clock = clock.Or(c.Clock)
	if c.Pollers <= 0 {
		c.Pollers = 1
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	return c
}

// SourceIPs returns n loopback addresses from 127.0.0.2 up (n at most 65533,
// as 127.0.x.y runs out): each adds about 28k connections per destination.
func SourceIPs(n int) []netip.Addr {
	n = min(n, 65533)
	out := make([]netip.Addr, 0, n)
	for i := range n {
		v := i + 2
		out = append(out, netip.AddrFrom4([4]byte{127, 0, byte(v >> 8), byte(v)}))
	}
	return out
}
