package sdk

import (
	"errors"
	"fmt"
	"sync"

	"github.com/toplab/toplab/system/top"
)

// ErrReservedParam is returned for an API parameter the client sets itself.
var ErrReservedParam = errors.New("sdk: reserved parameter")

// reserved reports whether name is a system parameter the client owns.
func reserved(name string) bool {
	switch name {
	case "method", "session", "app_key", "timestamp", "v", "sign", "sign_method", "format", "simplify":
		return true
	}
	return false
}

// paramsOf turns a caller's map into sorted parameters; empty names are
// dropped (the protocol ignores them).
func paramsOf(m map[string]string) (*top.Params, error) {
	var p top.Params
	for k, v := range m {
		if k == "" {
			continue
		}
		if reserved(k) {
			return nil, fmt.Errorf("%w %q: pass method and session as arguments", ErrReservedParam, k)
		}
		p.Set(k, v)
	}
	return &p, nil
}

// checkCall validates what the caller controls, before anything is sent.
func checkCall(method string, api *top.Params) error {
	if method == "" {
		return errors.New("sdk: method is required")
	}
	if api == nil {
		return nil
	}
	for _, kv := range api.List() {
		if reserved(kv.Name) {
			return fmt.Errorf("%w %q: pass method and session as arguments", ErrReservedParam, kv.Name)
		}
	}
	return nil
}

// systemParams sets the parameters every request carries, with a timestamp
// read from the client's clock now.
func (c *Client) systemParams(p *top.Params) {
	p.Set("app_key", c.appKey)
	p.Set("format", c.format)
	p.Set("sign_method", c.signMethod.String())
	p.Set("timestamp", c.timestamp())
	p.Set("v", top.Version)
	if c.simplify {
		p.Set("simplify", "true")
	}
}

// stamp is a formatted timestamp and the second it stands for.
type stamp struct {
	unix int64
	text string
}

// timestamp formats the clock's time, reusing the text within one second
// (calls come many per second; formatting allocates).
func (c *Client) timestamp() string {
	now := c.clock.Now()
	if s := c.stamp.Load(); s != nil && s.unix == now.Unix() {
		return s.text
	}
	s := &stamp{unix: now.Unix(), text: top.FormatTimestamp(now)}
	c.stamp.Store(s)
	return s.text
}

// params recycles the parameter lists of encoded calls: Reset keeps their
// storage, so a warm list takes the system parameters without growing.
var params = sync.Pool{New: func() any { return new(top.Params) }}

// signCall builds the signed parameters of one call; hand them back with
// params.Put once encoded.
func (c *Client) signCall(method, session string, api *top.Params) *top.Params {
	p := params.Get().(*top.Params)
	p.Reset()
	if api != nil {
		for _, kv := range api.List() { // already sorted: each Set appends
			p.Set(kv.Name, kv.Value)
		}
	}
	c.systemParams(p)
	p.Set("method", method)
	if session != "" {
		p.Set("session", session)
	}
	p.Set("sign", top.Sign(c.signMethod, c.secret, p, nil))
	return p
}

// encodeCall returns the signed, url-encoded form of one call.
func (c *Client) encodeCall(method, session string, api *top.Params) string {
	p := c.signCall(method, session, api)
	form := p.Encode()
	params.Put(p)
	return form
}

// signBatchQuery returns the signed query of a batch request: the system
// parameters (and the session shared by every item), signed together with
// the raw body.
func (c *Client) signBatchQuery(session string, body []byte) string {
	var q top.Params
	c.systemParams(&q)
	if session != "" {
		q.Set("session", session)
	}
	q.Set("sign", top.Sign(c.signMethod, c.secret, &q, body))
	return q.Encode()
}
