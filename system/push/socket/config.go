package socket

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// Defaults of Config's zero values.
const (
	DefaultAddr             = "127.0.0.1:8810"
	DefaultPath             = "/"
	DefaultMaxConns         = 200_000
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 135 * time.Second // three 45 s client heartbeats
	DefaultMaxQueuedBytes   = 1 << 20
)

// Config configures a Server; zero values mean the defaults.
type Config struct {
	Addr string // listen address; tests use "127.0.0.1:0"
	Path string // the upgrade path; other paths get 404
	// MaxConns bounds open WebSocket connections: beyond it the upgrade is
	// refused with HTTP 503 and the plain-text reason "node saturated".
	MaxConns int
	// MaxFrameBytes bounds an inbound message (default tmc.DefaultMaxFrameBytes);
	// a larger one closes the connection with 1009.
	MaxFrameBytes int
	// HandshakeTimeout closes a connection that sends no binary message
	// within it after the upgrade; it also bounds the HTTP upgrade request.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection that sent no message or ping for that long.
	IdleTimeout time.Duration
	// MaxQueuedBytes bounds a connection's written-but-unsent bytes (beyond
	// what the kernel took): a Send past it closes the connection as a slow
	// reader. It must exceed the largest frame sent.
	MaxQueuedBytes int
	Clock          clock.Clock // drives the timeout sweeper; nil = real
	Logger         *slog.Logger

	// Pollers is the number of epoll goroutines (default: nbio's, NumCPU/4, at least 1).
	Pollers int
	// ReadBufferBytes is each poller's shared read buffer (default 64 KiB).
	ReadBufferBytes int
	// Workers is the number of long-lived goroutines handling inbound frames
	// (default 16 per CPU); past them a frame gets a goroutine of its own.
	Workers int
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = tmc.DefaultMaxFrameBytes
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxQueuedBytes <= 0 {
		c.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ReadBufferBytes <= 0 {
		c.ReadBufferBytes = 64 << 10
	}
	if c.Workers <= 0 {
		c.Workers = 16 * runtime.NumCPU()
	}
	return c
}

// sweepEvery is how often the sweeper looks for expired connections: a
// quarter of the shorter timeout, so a connection outlives its timeout by at
// most a quarter of it; and at least every 5 s.
func (c Config) sweepEvery() time.Duration {
	return min(c.HandshakeTimeout, c.IdleTimeout, 20*time.Second) / 4
}
