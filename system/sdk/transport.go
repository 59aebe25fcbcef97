package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/top"
)

const (
	formContentType  = "application/x-www-form-urlencoded;charset=utf-8"
	batchContentType = "text/plain;charset=utf-8"
	maxResponseBytes = 64 << 20 // a full trade with many orders is well under 1 MiB
)

// newHTTPClient is the default client: keep-alive connections pooled per
// host in numbers that suit many concurrent callers (net/http keeps only 2
// idle per host by default, so bursts would keep opening connections), no
// redirects (the gateway never redirects, and a POST would turn into a GET),
// and a bound on waiting for response headers. Overall deadlines come from
// the caller's context.
func newHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           d.DialContext,
			MaxIdleConns:          512,
			MaxIdleConnsPerHost:   128,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

// putBuffer recycles b unless it grew large (one huge response should not
// pin its memory in the pool).
func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// post sends one request and returns the response body, which the caller
// hands back with putBuffer. A non-2xx status is returned as the platform's
// *top.Error when the body is an error_response, else as a *StatusError.
func (c *Client) post(ctx context.Context, url, contentType, separator string, body io.Reader) (*bytes.Buffer, error) {
	// The trace tells a request that never completely left the client (safe
	// to retry) from one that may have reached the gateway.
	var getConn, gotConn, wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		GetConn: func(string) { getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, url, body)
	if err != nil {
		return nil, fmt.Errorf("sdk: build request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	if separator != "" && separator != top.DefaultSeparator {
		req.Header.Set(top.SeparatorHeader, separator)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("sdk: request abandoned: %w", ctx.Err())
		}
		return nil, &TransportError{Sent: mayHaveSent(err, getConn.Load(), gotConn.Load(), wrote.Load()), Err: err}
	}
	defer resp.Body.Close()
	buf := getBuffer()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes+1)); err != nil {
		putBuffer(buf)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("sdk: request abandoned: %w", ctx.Err())
		}
		return nil, &TransportError{Sent: true, Err: fmt.Errorf("read response: %w", err)}
	}
	if buf.Len() > maxResponseBytes {
		putBuffer(buf)
		return nil, badResponse("body larger than %d bytes", maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer putBuffer(buf)
		if r, err := top.DecodeJSON(buf.Bytes()); err == nil && r.Err != nil && r.Err.Code != 0 {
			return nil, r.Err
		}
		return nil, &StatusError{StatusCode: resp.StatusCode, Body: snippet(buf.Bytes())}
	}
	return buf, nil
}

// mayHaveSent tells from the trace whether a failed request may have
// reached the gateway: not when dialing failed, when a connection was sought
// but never obtained, or when one was obtained but the request was not
// completely written. A RoundTripper that reports no trace events is
// assumed to have sent it.
func mayHaveSent(err error, getConn, gotConn, wrote bool) bool {
	switch {
	case isDialError(err), getConn && !gotConn, gotConn && !wrote:
		return false
	}
	return true
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
