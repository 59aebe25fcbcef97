// Package gateway is the TOP API gateway: an HTTP front (/router/rest and
// /router/batch) over a pipeline of stages built once at start-up: decode and
// validate, app auth, API resolution, session auth, permission and field
// trimming, flow control, route, invoke. Each stage is its own type with its
// own latency histogram; errors are TOP errors rendered in one place.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// Config configures a Gateway; zero values mean the defaults.
type Config struct {
	Metadata Metadata                 // required
	Limiter  Limiter                  // nil: no flow control
	Backends map[string]BackendConfig // route name -> backend
	Clock    clock.Clock
	Logger   *slog.Logger
	Registry prometheus.Registerer // nil: metrics are not registered

	MaxBodyBytes   int64         // default 1 MiB
	MaxBatchItems  int           // default 50
	MaxFields      int           // default 256
	Limits         top.Limits    // parameter limits
	DefaultTimeout time.Duration // backend call timeout when the API names none; default 3 s
	SampleEvery    uint64        // time one call in this many per stage; default 16
}

// Gateway serves the TOP API.
type Gateway struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	ids     *requestIDs
	debug   bool // log every call (request_id, method, app, code); checked once at start-up

	rest  *pipeline // a whole call
	batch *pipeline // a batch request: its system parameters and app
	item  *pipeline // one batch item, its app already authenticated
}

// New builds the gateway and its pipelines.
func New(cfg Config) (*Gateway, error) {
	if cfg.Metadata == nil {
		return nil, errors.New("gateway: no metadata")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxBatchItems <= 0 {
		cfg.MaxBatchItems = 50
	}
	if cfg.SampleEvery == 0 {
		cfg.SampleEvery = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Registry), ids: newRequestIDs(),
		debug: cfg.Logger.Enabled(context.Background(), slog.LevelDebug)}
	backends := map[string]*backendPool{}
	for name, bc := range cfg.Backends {
		b, err := newBackend(name, bc, g.metrics)
		if err != nil {
			return nil, err
		}
		backends[name] = b
	}
	decode := &Decode{Limits: cfg.Limits}
	resolve := &ResolveAPI{Cache: cfg.Metadata}
	session := &SessionAuth{Cache: cfg.Metadata, Clock: cfg.Clock}
	permission := &Permission{Cache: cfg.Metadata, MaxFields: cfg.MaxFields}
	flow := &FlowControl{Limiter: cfg.Limiter}
	route := &Route{Backends: backends}
	invoke := &Invoke{DefaultTimeout: cfg.DefaultTimeout}
	g.rest = newPipeline(g.metrics, cfg.SampleEvery, decode, &AppAuth{Cache: cfg.Metadata, Clock: cfg.Clock},
		resolve, session, permission, flow, route, invoke)
	g.batch = newPipeline(g.metrics, cfg.SampleEvery, &DecodeBatch{Limits: cfg.Limits},
		&AppAuth{Cache: cfg.Metadata, Clock: cfg.Clock, SignBody: true})
	g.item = newPipeline(g.metrics, cfg.SampleEvery, decode, resolve, session, permission, flow, route, invoke)
	return g, nil
}

// Paths served.
const (
	PathRest  = "/router/rest"
	PathBatch = "/router/batch"
)

// request is an HTTP request as a front hands it over.
type request struct {
	method, path, query string
	body                []byte
	bodyErr             *top.Error // the body could not be read (too large, cut off)
	contentType         string
	separator           string // the top-api-separator header
	remote              netip.Addr
}

// reply is what a front writes back: HTTP 200 with a TOP body, or 404 for
// paths the gateway does not serve.
type reply struct {
	notFound    bool
	contentType string
	requestID   string
	separator   string // echoed when a batch used its own
	body        []byte
}

// handle serves one request, appending the answer's body to dst.
func (g *Gateway) handle(ctx context.Context, in *request, dst []byte) reply {
	switch in.path {
	case PathRest:
		return g.serveRest(ctx, in, dst)
	case PathBatch:
		return g.serveBatch(ctx, in, dst)
	}
	return reply{notFound: true}
}

// newCall takes a pooled call for a request; putCall gives it back.
func (g *Gateway) newCall(in *request) *Call {
	c := getCall()
	c.RequestID = g.ids.next()
	c.RemoteIP = in.remote
	c.Query = in.query
	c.Top.Format = sniffFormat(c.Query)
	return c
}

func (g *Gateway) serveRest(ctx context.Context, in *request, dst []byte) reply {
	c := g.newCall(in)
	defer putCall(c)
	err := in.bodyErr
	switch {
	case err != nil:
	case in.method == "GET":
	case in.method == "POST":
		if in.contentType != "" && !hasPrefixFold(in.contentType, "application/x-www-form-urlencoded") {
			err = top.Errorf(top.CodeParameterError, "isv.unsupported-content-type", "send parameters as application/x-www-form-urlencoded")
		}
		c.Body = in.body
	default:
		err = top.Errorf(top.CodeHTTPActionNotAllowed, "", "use GET or POST")
	}
	if err == nil {
		err = g.rest.run(ctx, c)
	}
	if err != nil && c.Top.Format != top.FormatJSON {
		// Only a failed call may not have read its format: sniff the body
		// then, not on every call (the copy is the body's size).
		c.Top.Format = sniffFormat(string(c.Body))
	}
	return reply{contentType: contentType(c.Top.Format), requestID: c.RequestID, body: g.render(dst, c, err)}
}

func contentType(f top.Format) string {
	if f == top.FormatJSON {
		return "application/json;charset=utf-8"
	}
	return "text/xml;charset=utf-8"
}

// sniffFormat finds format=json in raw parameters, so that a request whose
// parameters cannot be decoded still gets its error in the format it asked for.
func sniffFormat(raw string) top.Format {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "format=json" {
			return top.FormatJSON
		}
	}
	return top.FormatXML
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

func equalFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// render appends one call's envelope and counts it.
func (g *Gateway) render(dst []byte, c *Call, err *top.Error) []byte {
	if err == nil {
		out, encErr := top.AppendSuccess(dst, c.Top.Format, c.Top.Simplify, c.Top.Method, c.Result, c.RequestID)
		if encErr == nil {
			g.metrics.countCall(0)
			if g.debug {
				g.log.Debug("call", "request_id", c.RequestID, "method", c.Top.Method, "app_key", c.Top.AppKey, "code", 0)
			}
			return out
		}
		err = top.Errorf(top.CodeRemoteServiceError, "isp.invalid-response", "backend answered with no JSON object")
	}
	g.metrics.countCall(err.Code)
	switch {
	case err.Code == top.CodeServiceUnavailable || err.Code == top.CodeRemoteServiceError:
		g.log.Warn("call failed", "request_id", c.RequestID, "method", c.Top.Method, "app_key", c.Top.AppKey,
			"code", err.Code, "sub_code", err.SubCode, "sub_msg", err.SubMsg)
	case g.debug:
		g.log.Debug("call", "request_id", c.RequestID, "method", c.Top.Method, "app_key", c.Top.AppKey, "code", err.Code, "sub_code", err.SubCode)
	}
	return top.AppendError(dst, c.Top.Format, err, c.RequestID)
}

// Server returns an http.Server for the gateway with the timeouts that keep
// slow clients from holding connections (read-header timeout and friends).
func (g *Gateway) Server(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           g,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
}
