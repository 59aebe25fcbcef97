package tmcclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// Version is this client's version, sent in CONNECT's sdk header by default.
const Version = "0.1.0"

// Defaults of the optional Config fields.
const (
	DefaultQueueSize         = 2000 // public clients' queue
	DefaultDedupeWindow      = 100_000
	DefaultHeartbeatInterval = 45 * time.Second
	DefaultPullInterval      = 20 * time.Second
	DefaultReconnectMin      = time.Second
	DefaultReconnectMax      = 30 * time.Second
	DefaultDialTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
)

// deadAfter is how many heartbeat intervals without a frame or pong mean the
// connection is dead.
const deadAfter = 3

// Handler handles one message. A nil error confirms it; an error leaves it
// unconfirmed, so the server resends it after its ack timeout. ctx is Run's
// context: a handler must return when it ends, or Run cannot.
type Handler func(ctx context.Context, m *tmc.Message) error

// Config configures a Client. The zero value of every optional field means
// its default.
type Config struct {
	URL     string  // required: the push node, e.g. ws://127.0.0.1:8810/
	AppKey  string  // required
	Secret  string  // required: signs CONNECT
	Group   string  // consumer group; default tmc.DefaultGroup ("default")
	SDK     string  // CONNECT's sdk header; default "toplab-go/" + Version
	Handler Handler // required unless Deliver is set
	// Deliver, instead of Handler, hands each message over without waiting
	// for its result: the callee reports it later, from any goroutine, by
	// calling done exactly once (nil confirms the message, an error leaves it
	// unconfirmed for the server to resend). It suits consumers that hold
	// messages for a while, e.g. to merge changes of one order. At most
	// QueueSize messages are handed over and not yet reported; Deliver itself
	// must not block for long (it runs on a worker).
	Deliver func(m *tmc.Message, done func(error))

	// Inline runs Handler on the goroutine that reads the connection and
	// writes each confirm from there: no queue and no hand-off between
	// goroutines, which is most of the client's own cost per message. It
	// suits handlers that return in microseconds (count, record, a
	// non-blocking enqueue); a slower one stops the reading while it runs,
	// so the server sees backpressure sooner. Messages of one connection are
	// handled one at a time in arrival order. Not with Deliver or Workers > 1.
	Inline bool
	// Workers is the handler concurrency, default 1. Messages are spread over
	// the workers by DataID (the business key, e.g. the tid), so the messages
	// of one key are handled one at a time in the order they arrived.
	Workers int
	// QueueSize bounds the messages received and not yet handled, default
	// 2000 (split evenly over the workers, at least one each). When a worker's
	// queue is full the client stops reading the socket, so the server sees
	// backpressure; nothing is dropped.
	QueueSize int
	// DedupeWindow is how many handled ids are remembered, default 100000. A
	// resend of a remembered id is confirmed again without calling Handler.
	DedupeWindow int

	HeartbeatInterval time.Duration // WebSocket ping period, default 45 s; 3 silent periods mean the connection is dead
	PullInterval      time.Duration // compensating pull period, default 20 s (one pull is also sent after each handshake)
	// ReconnectMin and ReconnectMax bound the reconnect backoff, default 1 s
	// and 30 s: the n-th consecutive failure waits a uniformly random time in
	// [0, min(ReconnectMin*2^(n-1), ReconnectMax)] ("full jitter"), so many
	// clients losing one node do not come back in lockstep. A connection that
	// stayed up ReconnectMax resets the count. A refused sign (401) or a
	// malformed CONNECT (400) waits in [ReconnectMax/2, ReconnectMax].
	ReconnectMin, ReconnectMax time.Duration
	DialTimeout                time.Duration // dial plus WebSocket and TMC handshakes, default 10 s
	// WriteTimeout is the socket deadline of each write, default 10 s. It is
	// a deadline on the wall clock, not a wait, so it ignores Clock.
	WriteTimeout time.Duration

	// Dial, when set, opens the TCP connection, e.g. (&net.Dialer{LocalAddr:
	// addr}).DialContext to bind a source address.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Limits bound the frames accepted from the server; zero fields mean
	// tmc's defaults.
	Limits tmc.Limits

	Clock  clock.Clock  // every wait (backoff, heartbeat, pull) and timestamp; default the wall clock
	Logger *slog.Logger // default: discard
}

// settings is a Config with the defaults applied.
type settings struct {
	Config
	limits tmc.Limits
}

func (cfg Config) settle() (settings, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return settings{}, fmt.Errorf("tmcclient: url %q is not an absolute ws(s) url", cfg.URL)
	}
	switch {
	case cfg.AppKey == "" || cfg.Secret == "":
		return settings{}, errors.New("tmcclient: app key and secret are required")
	case (cfg.Handler == nil) == (cfg.Deliver == nil):
		return settings{}, errors.New("tmcclient: exactly one of a handler and a deliver func is required")
	}
	if cfg.Inline && (cfg.Deliver != nil || cfg.Workers > 1) {
		return settings{}, errors.New("tmcclient: Inline runs one Handler per connection: not with Deliver or Workers > 1")
	}
	if err := nonNegative(cfg); err != nil {
		return settings{}, err
	}
	cfg.Group = orDefault(cfg.Group, tmc.DefaultGroup)
	cfg.SDK = orDefault(cfg.SDK, "toplab-go/"+Version)
	cfg.Workers = orDefault(cfg.Workers, 1)
	cfg.QueueSize = orDefault(cfg.QueueSize, DefaultQueueSize)
	cfg.DedupeWindow = orDefault(cfg.DedupeWindow, DefaultDedupeWindow)
	cfg.HeartbeatInterval = orDefault(cfg.HeartbeatInterval, DefaultHeartbeatInterval)
	cfg.PullInterval = orDefault(cfg.PullInterval, DefaultPullInterval)
	cfg.ReconnectMin = orDefault(cfg.ReconnectMin, DefaultReconnectMin)
	cfg.ReconnectMax = orDefault(cfg.ReconnectMax, max(DefaultReconnectMax, cfg.ReconnectMin))
	cfg.DialTimeout = orDefault(cfg.DialTimeout, DefaultDialTimeout)
	cfg.WriteTimeout = orDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.ReconnectMax < cfg.ReconnectMin {
		return settings{}, fmt.Errorf("tmcclient: reconnect max %s is below the reconnect min %s", cfg.ReconnectMax, cfg.ReconnectMin)
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	lim := cfg.Limits
	if lim.MaxFrameBytes <= 0 {
		lim.MaxFrameBytes = tmc.DefaultMaxFrameBytes
	}
	return settings{Config: cfg, limits: lim}, nil
}

func nonNegative(cfg Config) error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"workers", int64(cfg.Workers)},
		{"queue size", int64(cfg.QueueSize)},
		{"dedupe window", int64(cfg.DedupeWindow)},
		{"heartbeat interval", int64(cfg.HeartbeatInterval)},
		{"pull interval", int64(cfg.PullInterval)},
		{"reconnect min", int64(cfg.ReconnectMin)},
		{"reconnect max", int64(cfg.ReconnectMax)},
		{"dial timeout", int64(cfg.DialTimeout)},
		{"write timeout", int64(cfg.WriteTimeout)},
	} {
		if f.v < 0 {
			return fmt.Errorf("tmcclient: %s must not be negative", f.name)
		}
	}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
