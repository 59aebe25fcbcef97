package gateway

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/toplab/toplab/system/flowctl"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// FlowLimiter adapts a flowctl limiter to the flow-control stage.
type FlowLimiter struct{ Limiter flowctl.Limiter }

var _ Limiter = FlowLimiter{}

func (f FlowLimiter) Allow(ctx context.Context, app, api, group string) *top.Error {
	d := f.Limiter.Allow(ctx, flowctl.Key{App: app, API: api, Group: group})
	if d.Allowed {
		return nil
	}
	return d.Err
}

// FlowRules turns the metadata's flow rules into a limiter's rules, in the
// time zone where daily quotas roll over. A rule the limiter cannot enforce
// is an error naming it.
func FlowRules(rules []meta.FlowRule, zone *time.Location) (*flowctl.Rules, error) {
	out := &flowctl.Rules{APIs: map[string]flowctl.APIRule{}, Apps: map[string]flowctl.AppRule{}, AppAPIs: map[flowctl.AppAPI]flowctl.AppAPIRule{}}
	out.Location = zone
	for _, r := range rules {
		switch {
		case r.Scope == meta.ScopeAPI && (r.Window == meta.WindowSecond || r.Window == meta.WindowMinute):
			a := out.APIs[r.API]
			if r.Window == meta.WindowSecond {
				a.PerSecond = r.Limit
				a.Groups = nil
				for _, g := range r.Groups {
					// Ratios are fractions in metadata and weights in flowctl: per mille keeps 0.1% steps.
					a.Groups = append(a.Groups, flowctl.Group{Name: g.Name, Ratio: int(math.Round(g.Ratio * 1000)), Priority: g.Priority})
				}
			} else {
				a.PerMinute = r.Limit
			}
			out.APIs[r.API] = a
		case r.Scope == meta.ScopeApp && r.Window == meta.WindowDay:
			out.Apps[r.App] = flowctl.AppRule{PerDay: r.Limit}
		case r.Scope == meta.ScopeAppAPI && (r.Window == meta.WindowSecond || r.Window == meta.WindowDay):
			k := flowctl.AppAPI{App: r.App, API: r.API}
			a := out.AppAPIs[k]
			if r.Window == meta.WindowSecond {
				a.PerSecond = r.Limit
			} else {
				a.PerDay = r.Limit
			}
			out.AppAPIs[k] = a
		default:
			return nil, fmt.Errorf("flow rule %s: %s limits per %s are not enforced", r.Name, r.Scope, r.Window)
		}
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}
