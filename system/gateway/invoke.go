package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/top"
)

// systemParams are not passed to backends.
var systemParams = map[string]bool{
	"method": true, "app_key": true, "session": true, "timestamp": true, "v": true, "sign_method": true,
	"sign": true, "format": true, "simplify": true, "partner_id": true, "target_app_key": true, "fields": true,
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Route picks the backend of the API.
type Route struct {
	Backends map[string]*backendPool
}

var _ Stage = (*Route)(nil)

func (*Route) Name() string { return "route" }

func (s *Route) Handle(_ context.Context, c *Call) *top.Error {
	b, ok := s.Backends[c.API.Backend]
	if !ok {
		return top.Errorf(top.CodeServiceUnavailable, "isp.backend-not-configured", "no backend %q for %s", c.API.Backend, c.API.Name)
	}
	c.Backend = b
	return nil
}

// Invoke calls the backend with the API's business parameters and the
// caller's identity, within the API's timeout.
type Invoke struct {
	DefaultTimeout time.Duration // default 3 s
	MaxResponse    int64         // default and most 4 MiB
}

var _ Stage = (*Invoke)(nil)

func (*Invoke) Name() string { return "invoke" }

func (s *Invoke) Handle(ctx context.Context, c *Call) *top.Error {
	b := c.Backend
	select {
	case b.slots <- struct{}{}:
	default:
		return top.Errorf(top.CodeServiceUnavailable, "isp.backend-overloaded", "backend %s is at its concurrency limit", b.name)
	}
	b.inflight.Inc()
	defer func() { <-b.slots; b.inflight.Dec() }()

	timeout := c.API.Timeout
	if timeout <= 0 {
		timeout = s.DefaultTimeout
	}
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyPool.Put(buf)
	writeBusinessParams(buf, c)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI(b.prefix + c.API.Name)
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.Header.Set(backend.HeaderRequestID, c.RequestID)
	req.Header.Set(backend.HeaderAppKey, c.App.Key)
	if c.HasSession {
		req.Header.Set(backend.HeaderUserID, strconv.FormatInt(c.Session.UserID, 10))
		req.Header.Set(backend.HeaderUserNick, c.Session.UserNick)
	}
	req.SetBodyRaw(buf.Bytes())
	limit := s.MaxResponse
	if limit <= 0 || limit > maxResponse {
		limit = maxResponse
	}
	err := b.do(req, resp, deadline)
	switch {
	case errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) && time.Now().After(deadline):
		return top.Errorf(top.CodeRemoteServiceError, "isp.remote-service-timeout", "backend %s did not answer within %s", b.name, timeout)
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return top.Errorf(top.CodeServiceUnavailable, "isp.backend-overloaded", "backend %s has no free connection", b.name)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return top.Errorf(top.CodeRemoteServiceError, "isp.remote-response-too-large", "backend %s answered more than %d bytes", b.name, limit)
	case err != nil:
		return top.Errorf(top.CodeServiceUnavailable, "isp.backend-unavailable", "backend %s: %v", b.name, err)
	}
	body := resp.Body()
	if int64(len(body)) > limit {
		return top.Errorf(top.CodeRemoteServiceError, "isp.remote-response-too-large", "backend %s answered more than %d bytes", b.name, limit)
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return backendError(b.name, resp.StatusCode(), body)
	}
	c.Result = append(c.Result[:0], body...)
	return nil
}

// writeBusinessParams writes the call's parameters for the backend: system
// parameters removed, fields as trimmed by the permission stage.
func writeBusinessParams(buf *bytes.Buffer, c *Call) {
	sep := false
	for _, kv := range c.Params.List() {
		if systemParams[kv.Name] {
			continue
		}
		if sep {
			buf.WriteByte('&')
		}
		sep = true
		buf.WriteString(url.QueryEscape(kv.Name))
		buf.WriteByte('=')
		buf.WriteString(url.QueryEscape(kv.Value))
	}
	if c.Fields != "" {
		if sep {
			buf.WriteByte('&')
		}
		buf.WriteString("fields=")
		buf.WriteString(url.QueryEscape(c.Fields))
	}
}

// backendError turns a backend's failure into the caller's error: missing
// or invalid arguments keep their codes (40, 41), other failures are code 15
// with the backend's sub-code, or an isp.* sub-code when it sent none.
func backendError(name string, status int, body []byte) *top.Error {
	var e top.Error
	if json.Unmarshal(body, &e) == nil && e.SubCode != "" {
		code := top.CodeRemoteServiceError
		if e.Code == top.CodeMissingRequiredArgs || e.Code == top.CodeInvalidArguments {
			code = e.Code
		}
		return top.NewError(code, e.SubCode, e.SubMsg)
	}
	if status >= 500 {
		return top.Errorf(top.CodeRemoteServiceError, "isp.remote-service-error", "backend %s answered HTTP %d", name, status)
	}
	return top.Errorf(top.CodeRemoteServiceError, "isv.remote-service-rejected", "backend %s answered HTTP %d", name, status)
}
