package flowctl

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// MaxLimit is the largest limit a window can hold (counts are 32-bit).
const MaxLimit = math.MaxUint32 - 1

// Rules is the whole flow-control configuration. A zero limit means unlimited.
// The gateway maps its metadata into Rules and hands them to SetRules; a
// limiter never modifies them.
type Rules struct {
	// APIs limits each API over all apps, by API name.
	APIs map[string]APIRule
	// Apps holds each app's daily quota, by app key.
	Apps map[string]AppRule
	// AppAPIs limits one app on one API.
	AppAPIs map[AppAPI]AppAPIRule
	// DefaultApp applies to every app without an entry in Apps.
	DefaultApp AppRule
	// DefaultAppAPI applies to every app x API pair without an entry in AppAPIs.
	DefaultAppAPI AppAPIRule
	// Location is where daily windows roll over at midnight; nil means DefaultLocation().
	Location *time.Location
}

// APIRule limits one API over all apps together.
type APIRule struct {
	PerSecond int64
	PerMinute int64
	// Groups splits PerSecond among traffic groups; empty means one pool.
	Groups []Group
}

// Group is one traffic group's share of an API's per-second capacity. Its
// reservation is PerSecond*Ratio/(sum of ratios). A group may use capacity
// nobody reserved and the unused reservation of groups of lower priority,
// never the unused reservation of a group of higher priority.
type Group struct {
	Name     string
	Ratio    int // weight of the reservation, > 0
	Priority int // higher wins
}

// AppRule is one app's daily quota over all APIs.
type AppRule struct {
	PerDay int64
}

// AppAPI names one app on one API.
type AppAPI struct {
	App, API string
}

// AppAPIRule limits one app on one API.
type AppAPIRule struct {
	PerSecond int64
	PerDay    int64
}

// Validate reports the first rule a limiter cannot enforce.
func (r *Rules) Validate() error {
	if r == nil {
		return nil
	}
	for name, a := range r.APIs {
		if name == "" {
			return errors.New("api rule with an empty api name")
		}
		if err := checkLimits(a.PerSecond, a.PerMinute); err != nil {
			return fmt.Errorf("api %s: %w", name, err)
		}
		if err := checkGroups(a); err != nil {
			return fmt.Errorf("api %s: %w", name, err)
		}
	}
	for app, a := range r.Apps {
		if app == "" {
			return errors.New("app rule with an empty app key")
		}
		if err := checkLimits(a.PerDay); err != nil {
			return fmt.Errorf("app %s: %w", app, err)
		}
	}
	for k, a := range r.AppAPIs {
		if k.App == "" || k.API == "" {
			return fmt.Errorf("app x api rule %q x %q: empty app key or api name", k.App, k.API)
		}
		if err := checkLimits(a.PerSecond, a.PerDay); err != nil {
			return fmt.Errorf("app %s x api %s: %w", k.App, k.API, err)
		}
	}
	if err := checkLimits(r.DefaultApp.PerDay, r.DefaultAppAPI.PerSecond, r.DefaultAppAPI.PerDay); err != nil {
		return fmt.Errorf("default rules: %w", err)
	}
	return nil
}

func checkLimits(limits ...int64) error {
	for _, l := range limits {
		if l < 0 {
			return fmt.Errorf("negative limit %d", l)
		}
		if l > MaxLimit {
			return fmt.Errorf("limit %d above the maximum %d", l, int64(MaxLimit))
		}
	}
	return nil
}

func checkGroups(a APIRule) error {
	if len(a.Groups) == 0 {
		return nil
	}
	if a.PerSecond == 0 {
		return errors.New("traffic groups need a per-second limit")
	}
	seen := make(map[string]bool, len(a.Groups))
	for _, g := range a.Groups {
		switch {
		case g.Name == "":
			return errors.New("traffic group with an empty name")
		case seen[g.Name]:
			return fmt.Errorf("traffic group %s listed twice", g.Name)
		case g.Ratio <= 0 || g.Ratio > 1_000_000:
			return fmt.Errorf("traffic group %s: ratio %d outside 1..1000000", g.Name, g.Ratio)
		}
		seen[g.Name] = true
	}
	if len(a.Groups) > maxGroups {
		return fmt.Errorf("%d traffic groups, at most %d", len(a.Groups), maxGroups)
	}
	return nil
}

// Share returns the rules scaled to one of n nodes: every limit divided by n,
// rounded up so no limit becomes unlimited. Groups keep their ratios.
func (r *Rules) Share(n int) *Rules {
	if r == nil || n <= 1 {
		return r
	}
	div := func(l int64) int64 {
		if l == 0 {
			return 0
		}
		return (l + int64(n) - 1) / int64(n)
	}
	out := &Rules{
		APIs:          make(map[string]APIRule, len(r.APIs)),
		Apps:          make(map[string]AppRule, len(r.Apps)),
		AppAPIs:       make(map[AppAPI]AppAPIRule, len(r.AppAPIs)),
		DefaultApp:    AppRule{PerDay: div(r.DefaultApp.PerDay)},
		DefaultAppAPI: AppAPIRule{PerSecond: div(r.DefaultAppAPI.PerSecond), PerDay: div(r.DefaultAppAPI.PerDay)},
		Location:      r.Location,
	}
	for k, a := range r.APIs {
		out.APIs[k] = APIRule{PerSecond: div(a.PerSecond), PerMinute: div(a.PerMinute), Groups: a.Groups}
	}
	for k, a := range r.Apps {
		out.Apps[k] = AppRule{PerDay: div(a.PerDay)}
	}
	for k, a := range r.AppAPIs {
		out.AppAPIs[k] = AppAPIRule{PerSecond: div(a.PerSecond), PerDay: div(a.PerDay)}
	}
	return out
}
