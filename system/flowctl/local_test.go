package flowctl

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

var shanghai = DefaultLocation()

// at returns a time in Asia/Shanghai.
func at(y int, m time.Month, d, hh, mm, ss, ms int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, ms*int(time.Millisecond), shanghai)
}

func newTestLocal(t *testing.T, fc *clock.Fake, r *Rules) *Local {
	t.Helper()
	l, err := NewLocal(LocalConfig{Clock: fc, Rules: r, executor: func(f func()) { f() }})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// expectAllowed makes n calls that must pass.
func expectAllowed(t *testing.T, l Limiter, k Key, n int) {
	t.Helper()
	for i := range n {
		if d := l.Allow(context.Background(), k); !d.Allowed {
			t.Fatalf("call %d of %d for %+v rejected: %v", i+1, n, k, d.Err)
		}
	}
}

// expectRejected makes a call that must be refused with subCode, a ban of
// banSecs and retry after exactly retry (0: not checked).
func expectRejected(t *testing.T, l Limiter, k Key, subCode string, banSecs int, retry time.Duration) {
	t.Helper()
	d := l.Allow(context.Background(), k)
	if d.Allowed {
		t.Fatalf("call for %+v allowed, want rejected with %s", k, subCode)
	}
	want := top.Error{Code: top.CodeAppCallLimited, Msg: "App Call Limited", SubCode: subCode, SubMsg: BanMessage(banSecs)}
	if banSecs == 0 { // only the sub-code matters
		want.SubMsg = d.Err.SubMsg
	}
	if *d.Err != want {
		t.Fatalf("rejection = %+v, want %+v", *d.Err, want)
	}
	if retry > 0 && d.RetryAfter != retry {
		t.Fatalf("RetryAfter = %v, want %v", d.RetryAfter, retry)
	}
}

func TestBanMessageFormat(t *testing.T) {
	if got := BanMessage(37); got != "This ban will last for 37 more seconds" {
		t.Fatalf("BanMessage(37) = %q", got)
	}
}

func TestLocalEachWindowLimitsAndRollsOver(t *testing.T) {
	const app, api = "12345678", "taobao.trade.fullinfo.get"
	k := Key{App: app, API: api}
	tests := []struct {
		name    string
		rules   Rules
		start   time.Time
		limit   int
		subCode string
		ban     int
		retry   time.Duration
	}{
		{"api per second", Rules{APIs: map[string]APIRule{api: {PerSecond: 3}}},
			at(2026, 11, 11, 0, 0, 5, 300), 3, top.SubAPIAccessCount, 1, 700 * time.Millisecond},
		{"api per minute", Rules{APIs: map[string]APIRule{api: {PerMinute: 2}}},
			at(2026, 11, 11, 0, 0, 20, 500), 2, top.SubAPIAccessCount, 40, 39500 * time.Millisecond},
		{"app per day", Rules{Apps: map[string]AppRule{app: {PerDay: 4}}},
			at(2026, 11, 11, 23, 0, 0, 0), 4, top.SubAppAccessCount, 3600, time.Hour},
		{"default app per day", Rules{DefaultApp: AppRule{PerDay: 2}},
			at(2026, 11, 11, 12, 0, 0, 1), 2, top.SubAppAccessCount, 43200, 12*time.Hour - time.Millisecond},
		{"app x api per second", Rules{AppAPIs: map[AppAPI]AppAPIRule{{app, api}: {PerSecond: 5}}},
			at(2026, 11, 11, 8, 0, 0, 999), 5, top.SubAppAPIAccessCount, 1, time.Millisecond},
		{"app x api per day", Rules{AppAPIs: map[AppAPI]AppAPIRule{{app, api}: {PerDay: 1}}},
			at(2026, 11, 11, 23, 59, 58, 500), 1, top.SubAppAPIAccessCount, 2, 1500 * time.Millisecond},
		{"default app x api per second", Rules{DefaultAppAPI: AppAPIRule{PerSecond: 2}},
			at(2026, 11, 11, 8, 0, 0, 0), 2, top.SubAppAPIAccessCount, 1, time.Second},
		{"default app x api per day", Rules{DefaultAppAPI: AppAPIRule{PerDay: 3}},
			at(2026, 11, 11, 0, 0, 0, 0), 3, top.SubAppAPIAccessCount, 86400, 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc := clock.NewFake(tc.start)
			l := newTestLocal(t, fc, &tc.rules)
			expectAllowed(t, l, k, tc.limit)
			for range 3 {
				expectRejected(t, l, k, tc.subCode, tc.ban, tc.retry)
			}
			// Other apps and APIs are not limited by an app's or an API's own window.
			if tc.subCode != top.SubAPIAccessCount {
				expectAllowed(t, l, Key{App: "other", API: api}, 1)
			}
			if tc.subCode != top.SubAppAccessCount {
				expectAllowed(t, l, Key{App: app, API: "taobao.item.get"}, 1)
			}
			fc.Advance(tc.retry - time.Nanosecond)
			expectRejected(t, l, k, tc.subCode, 1, time.Nanosecond)
			fc.Advance(time.Nanosecond)
			expectAllowed(t, l, k, tc.limit)
			expectRejected(t, l, k, tc.subCode, 0, 0)
		})
	}
}

func TestLocalDayRollsOverAtShanghaiMidnightNotUTC(t *testing.T) {
	start := time.Date(2026, 11, 11, 17, 0, 0, 0, time.UTC) // 01:00 on the 12th in Shanghai
	fc := clock.NewFake(start)
	k := Key{App: "a", API: "x"}
	l := newTestLocal(t, fc, &Rules{DefaultApp: AppRule{PerDay: 1}})
	expectAllowed(t, l, k, 1)
	expectRejected(t, l, k, top.SubAppAccessCount, 23*3600, 23*time.Hour)
	fc.Set(time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC)) // UTC midnight is 08:00 in Shanghai: no reset
	expectRejected(t, l, k, top.SubAppAccessCount, 16*3600, 16*time.Hour)
	fc.Set(time.Date(2026, 11, 12, 16, 0, 0, 0, time.UTC)) // Shanghai midnight
	expectAllowed(t, l, k, 1)
}

func TestLocalRulesLocationIsHonoured(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zoneinfo: %v", err)
	}
	// 2026-11-01 is a 25-hour day in New York (DST ends).
	fc := clock.NewFake(time.Date(2026, 11, 1, 0, 0, 0, 0, ny))
	l := newTestLocal(t, fc, &Rules{DefaultApp: AppRule{PerDay: 1}, Location: ny})
	k := Key{App: "a", API: "x"}
	expectAllowed(t, l, k, 1)
	expectRejected(t, l, k, top.SubAppAccessCount, 25*3600, 25*time.Hour)
}

func TestDefaultLocationFallsBackToFixedPlus8(t *testing.T) {
	loc := loadZone(DefaultZone, func(string) (*time.Location, error) { return nil, errNoZone })
	name, off := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
	if name != DefaultZone || off != 8*3600 {
		t.Fatalf("fallback zone = %s %+d s, want %s +28800 s", name, off, DefaultZone)
	}
	if got := DefaultLocation().String(); got != DefaultZone {
		t.Fatalf("DefaultLocation() = %s", got)
	}
}

type zoneError struct{}

func (zoneError) Error() string { return "no zoneinfo" }

var errNoZone error = zoneError{}

// A rejection consumes no quota on any window, whichever window refused.
func TestLocalRejectionConsumesNothing(t *testing.T) {
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	const api = "x"
	l := newTestLocal(t, fc, &Rules{
		APIs:       map[string]APIRule{api: {PerSecond: 1}},
		DefaultApp: AppRule{PerDay: 3},
	})
	a, b := Key{App: "a", API: api}, Key{App: "b", API: api}
	expectAllowed(t, l, a, 1)
	for range 10 { // refused by the API's second: app a's day must not be charged
		expectRejected(t, l, a, top.SubAPIAccessCount, 1, time.Second)
	}
	fc.Advance(time.Second)
	expectAllowed(t, l, a, 1)
	fc.Advance(time.Second)
	expectAllowed(t, l, a, 1) // third call of the day: the ten refusals cost nothing
	fc.Advance(time.Second)
	for range 10 { // refused by app a's day: the API's second must not be charged
		expectRejected(t, l, a, top.SubAppAccessCount, 0, 0)
	}
	expectAllowed(t, l, b, 1)
	expectRejected(t, l, b, top.SubAPIAccessCount, 1, time.Second)
}

// With several windows full, the refusal reports the longest ban.
func TestLocalRejectionReportsLongestWindow(t *testing.T) {
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	const api = "x"
	l := newTestLocal(t, fc, &Rules{
		APIs:          map[string]APIRule{api: {PerSecond: 1, PerMinute: 1}},
		DefaultAppAPI: AppAPIRule{PerSecond: 1, PerDay: 1},
		DefaultApp:    AppRule{PerDay: 1},
	})
	k := Key{App: "a", API: api}
	expectAllowed(t, l, k, 1)
	expectRejected(t, l, k, top.SubAppAccessCount, 14*3600, 14*time.Hour)
	// Another app hits the API's minute before its second.
	expectRejected(t, l, Key{App: "b", API: api}, top.SubAPIAccessCount, 60, time.Minute)
}

func TestLocalSetRulesKeepsCountsOfUnchangedKeys(t *testing.T) {
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	k := Key{App: "a", API: "x"}
	l := newTestLocal(t, fc, &Rules{
		APIs:          map[string]APIRule{"x": {PerMinute: 5}},
		Apps:          map[string]AppRule{"a": {PerDay: 100}},
		DefaultAppAPI: AppAPIRule{PerDay: 100},
	})
	expectAllowed(t, l, k, 3)
	// Limits change, keys stay: 3 counted, so 1 more under the new minute limit of 4.
	if err := l.SetRules(&Rules{
		APIs:          map[string]APIRule{"x": {PerMinute: 4}, "y": {PerMinute: 1}},
		Apps:          map[string]AppRule{"a": {PerDay: 100}},
		DefaultAppAPI: AppAPIRule{PerDay: 4},
	}); err != nil {
		t.Fatal(err)
	}
	expectAllowed(t, l, k, 1)
	expectRejected(t, l, k, top.SubAppAPIAccessCount, 0, 0) // the default pair day holds 4 too, longer ban wins
	expectAllowed(t, l, Key{App: "a", API: "y"}, 1)         // a new API starts from zero
	if got := l.Rules().APIs["y"].PerMinute; got != 1 {
		t.Fatalf("Rules() not swapped: y per minute = %d", got)
	}
	if err := l.SetRules(&Rules{APIs: map[string]APIRule{"x": {PerMinute: -1}}}); err == nil {
		t.Fatal("SetRules accepted a negative limit")
	}
	expectRejected(t, l, k, top.SubAppAPIAccessCount, 0, 0) // invalid rules did not replace the old ones
}

// Many goroutines on one key admit exactly the limit.
func TestLocalConcurrentCallsAdmitExactlyTheLimit(t *testing.T) {
	fc := clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0))
	l := newTestLocal(t, fc, &Rules{
		APIs:          map[string]APIRule{"x": {PerSecond: 1000}},
		DefaultApp:    AppRule{PerDay: 700},
		DefaultAppAPI: AppAPIRule{PerSecond: 900},
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := map[string]int{}
	for g := range 8 {
		wg.Go(func() {
			app := []string{"a", "b"}[g%2]
			n := 0
			for range 1000 {
				if l.Allow(context.Background(), Key{App: app, API: "x"}).Allowed {
					n++
				}
			}
			mu.Lock()
			admitted[app] += n
			mu.Unlock()
		})
	}
	wg.Wait()
	// Each app is held to 700 a day; together they may not pass 1000 a second.
	if admitted["a"]+admitted["b"] != 1000 || admitted["a"] > 700 || admitted["b"] > 700 {
		t.Fatalf("admitted %v, want a+b = 1000 with each <= 700", admitted)
	}
}

// With one window the check and the count are one CAS (decideOne): many
// goroutines still admit exactly the limit, on explicit, default and grouped
// counters.
func TestLocalOneWindowConcurrentCallsAdmitExactlyTheLimit(t *testing.T) {
	const limit = 500
	tests := []struct {
		name  string
		rules Rules
	}{
		{"explicit", Rules{APIs: map[string]APIRule{"x": {PerSecond: limit}}}},
		{"default", Rules{DefaultApp: AppRule{PerDay: limit}}},
		{"grouped", Rules{APIs: map[string]APIRule{"x": {PerSecond: limit, Groups: []Group{{Name: "default", Ratio: 1, Priority: 1}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLocal(t, clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0)), &tc.rules)
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 200 {
						if l.Allow(context.Background(), Key{App: "a", API: "x"}).Allowed {
							admitted.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if n := admitted.Load(); n != limit {
				t.Fatalf("admitted %d of 1600, want exactly %d", n, limit)
			}
		})
	}
}
