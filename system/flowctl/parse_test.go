package flowctl

import (
	"reflect"
	"strings"
	"testing"
)

const sampleRules = `# Double-11 rules
tz:Asia/Shanghai
api:taobao.trade.fullinfo.get:second=200000,minute=10000000
group:taobao.trade.fullinfo.get:gold=60@3,silver=30@2,bronze=10@1
app:12345678:day=100000
app:*:day=5000
appapi:12345678:taobao.trade.fullinfo.get:second=10,day=1000
appapi:*:*:second=10,day=10000
`

func TestParseRules(t *testing.T) {
	r, err := ParseRules(sampleRules)
	if err != nil {
		t.Fatal(err)
	}
	want := &Rules{
		APIs: map[string]APIRule{"taobao.trade.fullinfo.get": {PerSecond: 200000, PerMinute: 10000000, Groups: goldSilverBronze}},
		Apps: map[string]AppRule{"12345678": {PerDay: 100000}},
		AppAPIs: map[AppAPI]AppAPIRule{
			{App: "12345678", API: "taobao.trade.fullinfo.get"}: {PerSecond: 10, PerDay: 1000},
		},
		DefaultApp:    AppRule{PerDay: 5000},
		DefaultAppAPI: AppAPIRule{PerSecond: 10, PerDay: 10000},
	}
	if r.Location == nil || r.Location.String() != DefaultZone {
		t.Fatalf("location %v", r.Location)
	}
	r.Location = nil
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", r, want)
	}
}

func TestParseRulesRejects(t *testing.T) {
	tests := []struct{ name, text, errPart string }{
		{"unknown kind", "quota:x:day=1", "unknown rule kind"},
		{"unknown limit", "api:x:hour=1", "limit"},
		{"repeated limit", "api:x:second=1,second=2", "limit"},
		{"negative", "app:a:day=-1", "limit"},
		{"too large", "app:a:day=4294967295", "limit"},
		{"not canonical", "app:a:day=+1", "limit"},
		{"missing field", "appapi:a:day=1", "want appapi"},
		{"repeated api", "api:x:second=1\napi:x:minute=1", "repeated"},
		{"repeated app", "app:a:day=1\napp:a:day=2", "twice"},
		{"repeated default", "app:*:day=1\napp:*:day=2", "twice"},
		{"half default pair", "appapi:*:x:day=1", "name"},
		{"space in name", "app:a b:day=1", "not allowed"},
		{"bad zone", "tz:Mars/Olympus", "time zone"},
		{"empty zone", "tz:", "time zone"},
		{"bad group", "api:x:second=10\ngroup:x:gold=60", "name=ratio@priority"},
		{"zero ratio", "api:x:second=10\ngroup:x:gold=0@1", "ratio"},
		{"groups without second", "group:x:gold=1@1", "per-second"},
		{"line number", "app:a:day=1\n\nbad", "line 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRules(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Fatalf("error %v, want one containing %q", err, tc.errPart)
			}
		})
	}
}

func TestFormatRulesRoundTrips(t *testing.T) {
	r, err := ParseRules(sampleRules)
	if err != nil {
		t.Fatal(err)
	}
	text := FormatRules(r)
	again, err := ParseRules(text)
	if err != nil {
		t.Fatalf("parse of formatted rules: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(again, r) {
		t.Fatalf("round trip changed the rules:\n%s", text)
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add(sampleRules)
	f.Add("api:x:second=1\ngroup:x:a=1@-1,b=2@0")
	f.Add("tz:UTC\nappapi:a:b:day=0")
	f.Add("app:*:day=4294967294\r\n# c\n")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseRules(text)
		if err != nil {
			return
		}
		// Whatever parses formats to text that parses to the same rules.
		out := FormatRules(r)
		again, err := ParseRules(out)
		if err != nil {
			t.Fatalf("formatted rules do not parse: %v\n%s", err, out)
		}
		if FormatRules(again) != out {
			t.Fatalf("round trip changed the rules:\n%s\nthen\n%s", out, FormatRules(again))
		}
		// And a limiter accepts them.
		if _, err := NewLocal(LocalConfig{Rules: r, MaxKeys: 16}); err != nil {
			t.Fatalf("parsed rules refused by NewLocal: %v", err)
		}
	})
}
