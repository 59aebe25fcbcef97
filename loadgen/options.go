package loadgen

import (
	"crypto/tls"
	"errors"
	"io"
	"net/netip"
	"runtime"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/clock"
)

// Defaults for Options' zero values.
const (
	DefaultRate        = 100 // hits per second
	DefaultDuration    = 10 * time.Second
	DefaultDrain       = 10 * time.Second
	DefaultWorkers     = 10
	DefaultMaxWorkers  = 1024
	DefaultConcurrency = 10
	DefaultTimeout     = 30 * time.Second
	DefaultConnections = 10000 // idle connections kept per host, as vegeta
	DefaultProgress    = time.Second
)

// Options configure a run; the zero value means the defaults. Attack uses every
// field but Concurrency; Closed ignores Pacer, Drain, Workers and MaxWorkers.
type Options struct {
	// Name labels the run (vegeta's attack name, sent as X-Vegeta-Attack).
	Name string
	// Pacer decides when each hit is due (open model); nil means DefaultRate
	// hits per second. It must be a pure function of its arguments (vegeta's
	// pacers are): the recording goroutines evaluate it concurrently.
	Pacer vegeta.Pacer
	// Duration bounds the run: hits due after it are not sent (default 10 s).
	Duration time.Duration
	// MaxHits, when positive, bounds the number of hits.
	MaxHits uint64
	// Drain is how long after Duration a late open-model run may keep sending
	// hits that were due before it (default 10 s; negative means none).
	Drain time.Duration
	// Workers is vegeta's initial worker count, MaxWorkers its ceiling (default
	// 10 and 1024): the bound on in-flight hits of the open model.
	Workers, MaxWorkers uint64
	// Concurrency is the closed model's number of workers (default 10).
	Concurrency int
	// Shards is the number of recording goroutines (default GOMAXPROCS).
	Shards int
	// HTTP configures the client.
	HTTP HTTPOptions
	// Classifier names each hit's outcome (default DefaultClassifier).
	Classifier Classifier
	// Progress, if set, receives a Progress every ProgressEvery (default 1 s)
	// and once at the end; ProgressWriter, if set, receives it as a line.
	Progress       func(Progress)
	ProgressWriter io.Writer
	ProgressEvery  time.Duration
	// Clock drives the progress ticker (default the wall clock). The attack
	// itself always runs on the wall clock, as vegeta does.
	Clock clock.Clock
}

// HTTPOptions configure the HTTP/1.1 client the hits go through.
type HTTPOptions struct {
	// Timeout bounds each request including its body (default 30 s).
	Timeout time.Duration
	// Connections is the number of idle connections kept per host (default
	// 10000); MaxConnections, when positive, caps connections per host.
	Connections, MaxConnections int
	// DisableKeepAlive opens a new connection for every request.
	DisableKeepAlive bool
	// SourceAddrs, when set, are the local addresses connections are opened
	// from, in turn (say 127.0.0.2..127.0.0.9 to spread ephemeral ports).
	SourceAddrs []netip.Addr
	// MaxBody is how many bytes of each body are kept in Result.Body for the
	// classifier: 0 keeps all, negative none; the rest is read and discarded.
	MaxBody int64
	// TLS configures https targets (default Go's).
	TLS *tls.Config
}

func (o Options) withDefaults() Options {
	if o.Pacer == nil {
		o.Pacer = vegeta.ConstantPacer{Freq: DefaultRate, Per: time.Second}
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	switch {
	case o.Drain == 0:
		o.Drain = DefaultDrain
	case o.Drain < 0:
		o.Drain = 0
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = DefaultMaxWorkers
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	o.Workers = min(o.Workers, o.MaxWorkers)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Shards <= 0 {
		o.Shards = runtime.GOMAXPROCS(0)
	}
	if o.Classifier == nil {
		o.Classifier = DefaultClassifier
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgress
	}
	o.Clock = clock.Or(o.Clock)
	if o.HTTP.Timeout <= 0 {
		o.HTTP.Timeout = DefaultTimeout
	}
	if o.HTTP.Connections <= 0 {
		o.HTTP.Connections = DefaultConnections
	}
	return o
}

// vegetaMaxBody maps MaxBody to vegeta's convention (-1 keeps all).
func (h HTTPOptions) vegetaMaxBody() int64 {
	switch {
	case h.MaxBody == 0:
		return -1
	case h.MaxBody < 0:
		return 0
	}
	return h.MaxBody
}

var errNoTargeter = errors.New("loadgen: nil targeter")
