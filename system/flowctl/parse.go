package flowctl

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseRules reads rules from text, one rule a line; blank lines and lines
// starting with # are skipped:
//
//	tz:Asia/Shanghai
//	api:taobao.trade.fullinfo.get:second=200000,minute=10000000
//	group:taobao.trade.fullinfo.get:gold=60@3,silver=30@2,bronze=10@1
//	app:12345678:day=100000
//	app:*:day=5000
//	appapi:12345678:taobao.trade.fullinfo.get:second=10,day=1000
//	appapi:*:*:second=10,day=10000
//
// A group is name=ratio@priority. * stands for every app (app x API pair)
// without a rule of its own. Names may not contain spaces or any of : , = @ #.
func ParseRules(text string) (*Rules, error) {
	r := &Rules{APIs: map[string]APIRule{}, Apps: map[string]AppRule{}, AppAPIs: map[AppAPI]AppAPIRule{}}
	var seen struct{ tz, defApp, defPair bool }
	seenAPI, seenGroups := map[string]bool{}, map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if err := parseLine(r, line, &seen.tz, &seen.defApp, &seen.defPair, seenAPI, seenGroups); err != nil {
			return nil, fmt.Errorf("flowctl: rules line %d: %w", i+1, err)
		}
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("flowctl: rules: %w", err)
	}
	return r, nil
}

func parseLine(r *Rules, line string, tz, defApp, defPair *bool, seenAPI, seenGroups map[string]bool) error {
	kind, rest, _ := strings.Cut(line, ":")
	f := strings.Split(rest, ":")
	switch kind {
	case "tz":
		if *tz || len(f) != 1 {
			return fmt.Errorf("want one tz:ZONE line, got %q", line)
		}
		*tz = true
		if f[0] == DefaultZone {
			r.Location = DefaultLocation()
			return nil
		}
		loc, err := time.LoadLocation(f[0])
		if err != nil || f[0] == "" {
			return fmt.Errorf("time zone %q: %v", f[0], err)
		}
		r.Location = loc
	case "api":
		if len(f) != 2 {
			return fmt.Errorf("want api:NAME:second=N,minute=N, got %q", line)
		}
		if err := checkName(f[0]); err != nil || seenAPI[f[0]] {
			return fmt.Errorf("api %q: bad or repeated name: %v", f[0], err)
		}
		seenAPI[f[0]] = true
		a := r.APIs[f[0]]
		if err := parseLimits(f[1], map[string]*int64{"second": &a.PerSecond, "minute": &a.PerMinute}); err != nil {
			return err
		}
		r.APIs[f[0]] = a
	case "group":
		if len(f) != 2 {
			return fmt.Errorf("want group:API:name=ratio@priority,..., got %q", line)
		}
		if err := checkName(f[0]); err != nil || seenGroups[f[0]] {
			return fmt.Errorf("group api %q: bad or repeated name: %v", f[0], err)
		}
		seenGroups[f[0]] = true
		gs, err := parseGroups(f[1])
		if err != nil {
			return err
		}
		a := r.APIs[f[0]]
		a.Groups = gs
		r.APIs[f[0]] = a
	case "app":
		if len(f) != 2 {
			return fmt.Errorf("want app:KEY:day=N, got %q", line)
		}
		var a AppRule
		if err := parseLimits(f[1], map[string]*int64{"day": &a.PerDay}); err != nil {
			return err
		}
		if f[0] == "*" {
			if *defApp {
				return fmt.Errorf("app:* given twice")
			}
			*defApp, r.DefaultApp = true, a
			return nil
		}
		if _, dup := r.Apps[f[0]]; dup {
			return fmt.Errorf("app %q given twice", f[0])
		}
		if err := checkName(f[0]); err != nil {
			return err
		}
		r.Apps[f[0]] = a
	case "appapi":
		if len(f) != 3 {
			return fmt.Errorf("want appapi:KEY:API:second=N,day=N, got %q", line)
		}
		var a AppAPIRule
		if err := parseLimits(f[2], map[string]*int64{"second": &a.PerSecond, "day": &a.PerDay}); err != nil {
			return err
		}
		if f[0] == "*" && f[1] == "*" {
			if *defPair {
				return fmt.Errorf("appapi:*:* given twice")
			}
			*defPair, r.DefaultAppAPI = true, a
			return nil
		}
		k := AppAPI{App: f[0], API: f[1]}
		if _, dup := r.AppAPIs[k]; dup {
			return fmt.Errorf("appapi %q x %q given twice", k.App, k.API)
		}
		if err := checkName(k.App); err != nil {
			return err
		}
		if err := checkName(k.API); err != nil {
			return err
		}
		r.AppAPIs[k] = a
	default:
		return fmt.Errorf("unknown rule kind %q", kind)
	}
	return nil
}

// checkName refuses names the format cannot carry back.
func checkName(s string) error {
	if s == "" || s == "*" {
		return fmt.Errorf("name %q", s)
	}
	if i := strings.IndexFunc(s, func(c rune) bool {
		return c <= ' ' || c == 0x7f || strings.ContainsRune(":,=@#", c)
	}); i >= 0 {
		return fmt.Errorf("name %q: character %q not allowed", s, s[i])
	}
	return nil
}

// parseLimits reads "key=N,key=N" into the named limits; each key at most once.
func parseLimits(s string, into map[string]*int64) error {
	seen := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		p := into[k]
		if !ok || p == nil || seen[k] {
			return fmt.Errorf("limit %q: want one of %v, each once, as key=N", kv, slices.Sorted(maps.Keys(into)))
		}
		seen[k] = true
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxLimit || v != strconv.FormatInt(n, 10) {
			return fmt.Errorf("limit %q: want an integer in 0..%d", kv, int64(MaxLimit))
		}
		*p = n
	}
	return nil
}

// parseGroups reads "name=ratio@priority,...".
func parseGroups(s string) ([]Group, error) {
	var gs []Group
	for _, item := range strings.Split(s, ",") {
		name, rp, ok1 := strings.Cut(item, "=")
		ratio, prio, ok2 := strings.Cut(rp, "@")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("group %q: want name=ratio@priority", item)
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("group %q: %w", item, err)
		}
		r, err1 := strconv.Atoi(ratio)
		p, err2 := strconv.Atoi(prio)
		if err1 != nil || err2 != nil || ratio != strconv.Itoa(r) || prio != strconv.Itoa(p) || p < -1_000_000 || p > 1_000_000 {
			return nil, fmt.Errorf("group %q: ratio and priority must be integers (priority within ±1000000)", item)
		}
		gs = append(gs, Group{Name: name, Ratio: r, Priority: p})
	}
	return gs, nil
}

// FormatRules writes r in the form ParseRules reads, sorted, so equal rules
// give equal text.
func FormatRules(r *Rules) string {
	var b strings.Builder
	if r.Location != nil {
		b.WriteString("tz:" + r.Location.String() + "\n")
	}
	for _, name := range slices.Sorted(maps.Keys(r.APIs)) {
		a := r.APIs[name]
		fmt.Fprintf(&b, "api:%s:second=%d,minute=%d\n", name, a.PerSecond, a.PerMinute)
		if len(a.Groups) > 0 {
			items := make([]string, len(a.Groups))
			for i, g := range a.Groups {
				items[i] = fmt.Sprintf("%s=%d@%d", g.Name, g.Ratio, g.Priority)
			}
			fmt.Fprintf(&b, "group:%s:%s\n", name, strings.Join(items, ","))
		}
	}
	fmt.Fprintf(&b, "app:*:day=%d\n", r.DefaultApp.PerDay)
	for _, app := range slices.Sorted(maps.Keys(r.Apps)) {
		fmt.Fprintf(&b, "app:%s:day=%d\n", app, r.Apps[app].PerDay)
	}
	fmt.Fprintf(&b, "appapi:*:*:second=%d,day=%d\n", r.DefaultAppAPI.PerSecond, r.DefaultAppAPI.PerDay)
	pairs := slices.SortedFunc(maps.Keys(r.AppAPIs), func(x, y AppAPI) int {
		return strings.Compare(x.App+"\x00"+x.API, y.App+"\x00"+y.API)
	})
	for _, k := range pairs {
		a := r.AppAPIs[k]
		fmt.Fprintf(&b, "appapi:%s:%s:second=%d,day=%d\n", k.App, k.API, a.PerSecond, a.PerDay)
	}
	return b.String()
}
