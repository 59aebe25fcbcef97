package gateway

import (
	"context"
	"errors"
	"strings"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// Permission checks that one of the app's permission packages grants the
// API and trims the fields parameter to the app's field level.
type Permission struct {
	Cache     Metadata
	MaxFields int // default 256 names in a fields list
}

var _ Stage = (*Permission)(nil)

func (*Permission) Name() string { return "permission" }

func (s *Permission) Handle(ctx context.Context, c *Call) *top.Error {
	level := -1
	for _, name := range c.App.Packages {
		pkg, err := s.Cache.Package(ctx, name)
		if errors.Is(err, meta.ErrNotFound) {
			continue // a package removed after the app was granted it grants nothing
		}
		if err != nil {
			return metadataUnavailable(err)
		}
		if l, ok := pkg.APIs[c.API.Name]; ok && l > level {
			level = l
		}
	}
	if level < 0 {
		return top.Errorf(top.CodeInsufficientISVPerm, "isv.api-not-granted", "no permission package of the app grants %s", c.API.Name)
	}
	c.FieldLevel = level
	return s.trimFields(c)
}

// trimFields keeps the requested fields the app may see. Unknown fields are
// dropped silently, as the platform does; an API without field levels passes
// the list through.
func (s *Permission) trimFields(c *Call) *top.Error {
	requested := c.Top.Fields
	if requested == "" {
		requested = strings.Join(c.API.DefaultFields, ",")
	}
	if requested == "" || len(c.API.Fields) == 0 {
		c.Fields = requested
		return nil
	}
	maxFields := s.MaxFields
	if maxFields <= 0 {
		maxFields = 256
	}
	if strings.Count(requested, ",") >= maxFields {
		return top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:fields", "at most %d fields may be requested", maxFields)
	}
	if s.allGranted(c, requested) {
		c.Fields = requested // the usual call: no copy
		return nil
	}
	var b strings.Builder
	denied := 0
	for f := range strings.SplitSeq(requested, ",") {
		f = strings.TrimSpace(f)
		lvl, known := c.API.Fields[f]
		switch {
		case !known:
		case lvl > c.FieldLevel:
			denied++
		default:
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f)
		}
	}
	if b.Len() == 0 {
		if denied > 0 {
			return top.Errorf(top.CodeInsufficientISVPerm, "isv.field-not-granted", "none of the requested fields may be returned to this app")
		}
		return top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:fields", "none of the requested fields exists")
	}
	c.Fields = b.String()
	return nil
}

// allGranted reports whether every requested field exists, is within the
// app's level and is written without spaces, so the list passes unchanged.
func (s *Permission) allGranted(c *Call, requested string) bool {
	for f := range strings.SplitSeq(requested, ",") {
		lvl, known := c.API.Fields[f]
		if !known || lvl > c.FieldLevel {
			return false
		}
	}
	return true
}

// FlowControl asks the limiter; a rejection is code 7 and consumes no quota.
type FlowControl struct {
	Limiter Limiter
}

// Limiter decides whether a call may proceed (flowctl implements it).
type Limiter interface {
	Allow(ctx context.Context, app, api, group string) *top.Error
}

var _ Stage = (*FlowControl)(nil)

func (*FlowControl) Name() string { return "flow_control" }

func (s *FlowControl) Handle(ctx context.Context, c *Call) *top.Error {
	if s.Limiter == nil {
		return nil
	}
	return s.Limiter.Allow(ctx, c.App.Key, c.API.Name, c.App.TrafficGroup)
}
