package flowctl

import "strconv"

// dim is what a window limits; it picks the rejection's sub-code.
type dim uint8

const (
	dimApp    dim = iota // an app's daily quota
	dimAppAPI            // one app on one API
	dimAPI               // an API over all apps
)

// limited is one window of an explicit rule with its counter. Counters are
// shared by pointer between rule sets, so a rule swap keeps their counts.
type limited struct {
	limit uint32
	c     *counter
	name  string
}

// apiEntry holds everything keyed by one API name.
type apiEntry struct {
	second, minute *limited
	groups         *groupLayout
	gstate         *groupState
	pairs          map[string]*pairEntry // explicit app x API rules, by app key
}

type pairEntry struct{ second, day *limited }

// ruleset is Rules compiled for the hot path: map lookups by name, names of
// explicit counters built once, counters carried over from the previous set.
type ruleset struct {
	rules *Rules
	days  *days
	apis  map[string]*apiEntry
	apps  map[string]*limited
	// default rules: their counters are found by name at decision time
	defAppDay, defPairSecond, defPairDay uint32
}

// compile builds a ruleset from r, reusing the counters of prev whose window
// and name are unchanged.
func compile(r *Rules, prev *ruleset) *ruleset {
	if r == nil {
		r = &Rules{}
	}
	rs := &ruleset{
		rules:         r,
		apis:          make(map[string]*apiEntry, len(r.APIs)),
		apps:          make(map[string]*limited, len(r.Apps)),
		defAppDay:     uint32(r.DefaultApp.PerDay),
		defPairSecond: uint32(r.DefaultAppAPI.PerSecond),
		defPairDay:    uint32(r.DefaultAppAPI.PerDay),
	}
	if prev != nil && prev.rules.Location == r.Location {
		rs.days = prev.days
	} else {
		rs.days = newDays(r.Location)
	}
	old := func(api string) *apiEntry {
		if prev == nil {
			return nil
		}
		return prev.apis[api]
	}
	for api, a := range r.APIs {
		e := rs.api(api)
		o := old(api)
		e.second = carry(a.PerSecond, pick(o, func(o *apiEntry) *limited { return o.second }), dimAPI, winSecond, "", api)
		e.minute = carry(a.PerMinute, pick(o, func(o *apiEntry) *limited { return o.minute }), dimAPI, winMinute, "", api)
		if e.groups = newGroupLayout(a.Groups); e.groups != nil {
			if o != nil && o.groups.same(e.groups) {
				e.gstate = o.gstate
			} else {
				e.gstate = new(groupState)
			}
		}
	}
	for k, a := range r.AppAPIs {
		e := rs.api(k.API)
		var op *pairEntry
		if o := old(k.API); o != nil {
			op = o.pairs[k.App]
		}
		p := &pairEntry{}
		p.second = carry(a.PerSecond, pickPair(op, false), dimAppAPI, winSecond, k.App, k.API)
		p.day = carry(a.PerDay, pickPair(op, true), dimAppAPI, winDay, k.App, k.API)
		if e.pairs == nil {
			e.pairs = make(map[string]*pairEntry)
		}
		e.pairs[k.App] = p
	}
	for app, a := range r.Apps {
		var o *limited
		if prev != nil {
			o = prev.apps[app]
		}
		rs.apps[app] = carry(a.PerDay, o, dimApp, winDay, app, "")
	}
	return rs
}

func (rs *ruleset) api(name string) *apiEntry {
	e := rs.apis[name]
	if e == nil {
		e = &apiEntry{}
		rs.apis[name] = e
	}
	return e
}

func pick(o *apiEntry, f func(*apiEntry) *limited) *limited {
	if o == nil {
		return nil
	}
	return f(o)
}

func pickPair(p *pairEntry, day bool) *limited {
	switch {
	case p == nil:
		return nil
	case day:
		return p.day
	}
	return p.second
}

// carry returns the window of an explicit rule, with the old counter when there was one.
func carry(limit int64, old *limited, d dim, w window, app, api string) *limited {
	if limit <= 0 {
		return nil
	}
	l := &limited{limit: uint32(limit)}
	if old != nil {
		l.c, l.name = old.c, old.name
	} else {
		l.c, l.name = new(counter), string(appendName(nil, d, w, app, api))
	}
	return l
}

// appendName appends the counter name of window w of dimension d: the same for
// an explicit and a default rule, so Redis keys and leases survive a change
// from one to the other. The app key is length-prefixed so no pair of names collides.
func appendName(b []byte, d dim, w window, app, api string) []byte {
	switch d {
	case dimApp:
		b = append(b, "app:"...)
		b = append(b, w.letter(), ':')
		return append(b, app...)
	case dimAPI:
		b = append(b, "api:"...)
		b = append(b, w.letter(), ':')
		return append(b, api...)
	}
	b = append(b, "aa:"...)
	b = append(b, w.letter(), ':')
	b = strconv.AppendInt(b, int64(len(app)), 10)
	b = append(b, ':')
	b = append(b, app...)
	b = append(b, ':')
	return append(b, api...)
}

// check is one window a decision must pass.
type check struct {
	dim   dim
	win   window
	limit uint32
	c     *counter // explicit rule's counter; nil: a default rule's, found by name
	name  string   // explicit rule's name; "" for a default rule
	gl    *groupLayout
	gs    *groupState
	gi    int
}

// maxChecks is the most windows one call can touch.
const maxChecks = 5

// plan is the windows of one decision, longest first, so the first refusal
// carries the longest ban.
type plan struct {
	n int
	c [maxChecks]check
}

func (p *plan) add(d dim, w window, l *limited) {
	p.c[p.n] = check{dim: d, win: w, limit: l.limit, c: l.c, name: l.name}
	p.n++
}

func (p *plan) addDefault(d dim, w window, limit uint32) {
	if limit > 0 {
		p.c[p.n] = check{dim: d, win: w, limit: limit}
		p.n++
	}
}

// plan fills p with the windows k must pass.
func (rs *ruleset) plan(k Key, p *plan) {
	p.n = 0
	if a := rs.apps[k.App]; a != nil {
		p.add(dimApp, winDay, a)
	} else {
		p.addDefault(dimApp, winDay, rs.defAppDay)
	}
	e := rs.apis[k.API]
	var pair *pairEntry
	if e != nil {
		pair = e.pairs[k.App]
	}
	switch {
	case pair == nil:
		p.addDefault(dimAppAPI, winDay, rs.defPairDay)
	case pair.day != nil:
		p.add(dimAppAPI, winDay, pair.day)
	}
	if e != nil && e.minute != nil {
		p.add(dimAPI, winMinute, e.minute)
	}
	switch {
	case pair == nil:
		p.addDefault(dimAppAPI, winSecond, rs.defPairSecond)
	case pair.second != nil:
		p.add(dimAppAPI, winSecond, pair.second)
	}
	if e != nil && e.second != nil {
		p.add(dimAPI, winSecond, e.second)
		if e.groups != nil {
			c := &p.c[p.n-1]
			c.gl, c.gs, c.gi = e.groups, e.gstate, e.groups.index(k.Group)
		}
	}
}
