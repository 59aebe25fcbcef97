package gateway

import (
	"context"
	"errors"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// Decode parses the query and form body into parameters and checks the
// system parameters (missing, duplicate, malformed, version).
type Decode struct {
	Limits top.Limits
}

var _ Stage = (*Decode)(nil)

func (*Decode) Name() string { return "decode" }

func (d *Decode) Handle(_ context.Context, c *Call) *top.Error {
	if !c.batchItem {
		if err := c.Params.ParseForm(c.Query, d.Limits); err != nil {
			return err
		}
		if len(c.Body) > 0 {
			if err := c.Params.ParseForm(string(c.Body), d.Limits); err != nil {
				return err
			}
		}
	}
	call, err := top.ParseCall(&c.Params)
	c.Top = call
	return err
}

// DecodeBatch checks a batch request's system parameters: those of a call
// without the method, which each item names.
type DecodeBatch struct {
	Limits top.Limits
}

var _ Stage = (*DecodeBatch)(nil)

func (*DecodeBatch) Name() string { return "decode_batch" }

// batchMethod stands in for the method while the batch's own system
// parameters are checked; it is never signed or routed.
const batchMethod = "top.batch.call"

func (d *DecodeBatch) Handle(_ context.Context, c *Call) *top.Error {
	if err := c.Params.ParseForm(c.Query, d.Limits); err != nil {
		return err
	}
	probe := c.Params.Clone()
	if !probe.Has("method") {
		probe.Set("method", batchMethod)
	}
	call, err := top.ParseCall(probe)
	call.Params = &c.Params
	c.Top = call
	return err
}

// ResolveAPI looks the method up: an unknown or disabled method is code 22.
type ResolveAPI struct {
	Cache Metadata
}

var _ Stage = (*ResolveAPI)(nil)

func (*ResolveAPI) Name() string { return "resolve_api" }

func (s *ResolveAPI) Handle(ctx context.Context, c *Call) *top.Error {
	api, err := s.Cache.API(ctx, c.Top.Method)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		return top.Errorf(top.CodeInvalidMethod, "isv.method-not-exist", "method %s does not exist", c.Top.Method)
	case err != nil:
		return metadataUnavailable(err)
	case api.Disabled:
		return top.Errorf(top.CodeInvalidMethod, "isv.method-disabled", "method %s is disabled", c.Top.Method)
	}
	c.API = api
	return nil
}

func metadataUnavailable(err error) *top.Error {
	return top.Errorf(top.CodeServiceUnavailable, "isp.metadata-unavailable", "metadata lookup failed: %v", err)
}
