package flowctl

import (
	"reflect"
	"testing"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

func TestRulesShareRoundsUpAndKeepsUnlimited(t *testing.T) {
	r := &Rules{
		APIs:          map[string]APIRule{"x": {PerSecond: 10, Groups: goldSilverBronze}},
		Apps:          map[string]AppRule{"a": {PerDay: 1}},
		AppAPIs:       map[AppAPI]AppAPIRule{{App: "a", API: "x"}: {PerDay: 7}},
		DefaultApp:    AppRule{PerDay: 5000},
		DefaultAppAPI: AppAPIRule{PerSecond: 3},
	}
	want := &Rules{
		APIs:          map[string]APIRule{"x": {PerSecond: 4, Groups: goldSilverBronze}},
		Apps:          map[string]AppRule{"a": {PerDay: 1}},
		AppAPIs:       map[AppAPI]AppAPIRule{{App: "a", API: "x"}: {PerDay: 3}},
		DefaultApp:    AppRule{PerDay: 1667},
		DefaultAppAPI: AppAPIRule{PerSecond: 1},
	}
	if got := r.Share(3); !reflect.DeepEqual(got, want) {
		t.Fatalf("Share(3) = %+v, want %+v", got, want)
	}
	if r.Share(1) != r || r.Share(0) != r {
		t.Fatal("a share of one node (or an unknown count) must be the rules themselves")
	}
}

func TestLocalStatsAndCollector(t *testing.T) {
	l := newTestLocal(t, clock.NewFake(at(2026, 11, 11, 10, 0, 0, 0)), &Rules{DefaultApp: AppRule{PerDay: 1}})
	k := Key{App: "a", API: "x"}
	expectAllowed(t, l, k, 1)
	for range 3 {
		if l.Allow(t.Context(), k).Allowed {
			t.Fatal("allowed over the quota")
		}
	}
	s := l.Stats()
	if s.Rejected[top.SubAppAccessCount] != 3 || s.Keys != 1 || s.Nodes != 1 {
		t.Fatalf("stats %+v", s)
	}
	assertCollected(t, l, "toplab_flowctl_rejected_total", 3)
}
