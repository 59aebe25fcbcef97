package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// Config configures a Client. The zero value of every optional field means
// its default.
type Config struct {
	URL        string         // gateway base, e.g. http://127.0.0.1:8800; /router/rest and /router/batch are appended
	AppKey     string         // required
	Secret     string         // required
	SignMethod top.SignMethod // default top.SignMD5
	HTTPClient *http.Client   // default: a tuned keep-alive client (see newHTTPClient)
	Clock      clock.Clock    // timestamps and backoff waits; default the wall clock
	Retry      RetryPolicy    // default: 3 attempts, full-jitter backoff from 50 ms capped at 2 s
	Simplify   bool           // ask for simplified JSON (no outer wrapper)

	BatchSize        int // calls per /router/batch request; default 20
	BatchConcurrency int // batch requests one Batch call runs at once; default 8
	// BatchSeparator joins batch items; default top.DefaultSeparator. Another
	// one is sent in the top-api-separator header, so it must be printable,
	// and must never occur inside a response (the default cannot: JSON
	// strings escape CR and LF).
	BatchSeparator string
}

// Client calls the TOP gateway. It is safe for concurrent use.
type Client struct {
	restURL, batchURL string
	appKey, secret    string
	signMethod        top.SignMethod
	format            string // always json; a field so a test can reproduce the protocol's xml sign vector
	simplify          bool
	hc                *http.Client
	clock             clock.Clock
	retry             RetryPolicy
	batchSize         int
	batchConcurrency  int
	separator         string
	stamp             atomic.Pointer[stamp] // the last timestamp text
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sdk: gateway url %q is not an absolute http(s) url", cfg.URL)
	}
	if cfg.AppKey == "" || cfg.Secret == "" {
		return nil, errors.New("sdk: app key and secret are required")
	}
	m := cfg.SignMethod
	if m == 0 {
		m = top.SignMD5
	}
	if _, ok := top.ParseSignMethod(m.String()); !ok {
		return nil, fmt.Errorf("sdk: unknown sign method %d", m)
	}
	sep, err := checkSeparator(cfg.BatchSeparator)
	if err != nil {
		return nil, err
	}
	if err := cfg.Retry.check(); err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient()
	}
	base := strings.TrimRight(cfg.URL, "/")
	return &Client{
		restURL:          base + "/router/rest",
		batchURL:         base + "/router/batch",
		appKey:           cfg.AppKey,
		secret:           cfg.Secret,
		signMethod:       m,
		format:           top.FormatJSON.String(),
		simplify:         cfg.Simplify,
		hc:               hc,
		clock:            clock.Or(cfg.Clock),
		retry:            cfg.Retry,
		batchSize:        orDefault(cfg.BatchSize, 20),
		batchConcurrency: orDefault(cfg.BatchConcurrency, 8),
		separator:        sep,
	}, nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Call signs and sends one call and returns the payload object of the
// success wrapper (request_id included). A platform error is returned as a
// *top.Error; other failures are wrapped Go errors (see TransportError,
// StatusError, ErrBadResponse). params must not hold system parameters.
func (c *Client) Call(ctx context.Context, method string, params map[string]string, session string) (json.RawMessage, error) {
	p, err := paramsOf(params)
	if err != nil {
		return nil, fmt.Errorf("sdk: %s: %w", method, err)
	}
	return c.Do(ctx, method, p, session)
}

// Do is Call with the API parameters as top.Params, which Do does not modify.
func (c *Client) Do(ctx context.Context, method string, api *top.Params, session string) (json.RawMessage, error) {
	if err := checkCall(method, api); err != nil {
		return nil, fmt.Errorf("sdk: %s: %w", method, err)
	}
	var payload json.RawMessage
	err := c.withRetry(ctx, method, c.retry.idempotent(method), func(ctx context.Context) error {
		// Each attempt is signed afresh: the timestamp moves with the clock.
		form := c.encodeCall(method, session, api)
		body, err := c.post(ctx, c.restURL, formContentType, "", strings.NewReader(form))
		if err != nil {
			return err
		}
		defer putBuffer(body)
		payload, err = decodeResponse(body.Bytes(), method, c.simplify)
		return err
	})
	return payload, err
}

// CloseIdleConnections closes the idle keep-alive connections of the HTTP client.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }
