package flowctl

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

var goldSilverBronze = []Group{
	{Name: "gold", Ratio: 60, Priority: 3},
	{Name: "silver", Ratio: 30, Priority: 2},
	{Name: "bronze", Ratio: 10, Priority: 1},
}

// step makes calls attempts of a group within one second and expects admitted to pass.
type step struct {
	group              string
	attempts, admitted int
}

// groupCases pin the borrowing rules with a capacity of 100 split 60/30/10
// (gold > silver > bronze) unless a case says otherwise.
var groupCases = []struct {
	name     string
	capacity int64
	groups   []Group
	steps    []step
}{
	{"bronze alone keeps out of gold's and silver's reservations", 100, goldSilverBronze,
		[]step{{"bronze", 20, 10}}},
	{"silver alone borrows bronze's share, not gold's", 100, goldSilverBronze,
		[]step{{"silver", 50, 40}}},
	{"gold alone borrows everything", 100, goldSilverBronze,
		[]step{{"gold", 120, 100}}},
	{"gold's borrowing starves the lower groups", 100, goldSilverBronze,
		[]step{{"gold", 100, 100}, {"silver", 1, 0}, {"bronze", 1, 0}}},
	{"gold takes what silver left", 100, goldSilverBronze,
		[]step{{"silver", 40, 40}, {"gold", 100, 60}, {"bronze", 5, 0}}},
	{"every group its reservation", 100, goldSilverBronze,
		[]step{{"bronze", 10, 10}, {"silver", 30, 30}, {"gold", 60, 60}, {"gold", 1, 0}, {"silver", 1, 0}, {"bronze", 1, 0}}},
	{"lower groups leave gold's unused reservation free", 100, goldSilverBronze,
		[]step{{"gold", 50, 50}, {"bronze", 20, 10}, {"silver", 50, 30}, {"gold", 20, 10}}},
	{"silver may not eat into gold's reservation even after gold borrowed", 100, goldSilverBronze,
		[]step{{"gold", 70, 70}, {"silver", 50, 30}, {"bronze", 5, 0}}},
	{"the empty group is the lowest-priority group", 100, goldSilverBronze,
		[]step{{"", 20, 10}, {"bronze", 1, 0}}},
	{"an unknown group is the lowest-priority group", 100, goldSilverBronze,
		[]step{{"platinum", 20, 10}}},
	{"the empty group is the group called default", 100,
		[]Group{{Name: "vip", Ratio: 50, Priority: 2}, {Name: "default", Ratio: 40, Priority: 1}, {Name: "low", Ratio: 10, Priority: 0}},
		[]step{{"", 80, 50}, {"default", 1, 0}, {"vip", 80, 50}}},
	{"equal priorities borrow from each other", 100,
		[]Group{{Name: "a", Ratio: 50, Priority: 1}, {Name: "b", Ratio: 50, Priority: 1}},
		[]step{{"a", 120, 100}, {"b", 1, 0}}},
	{"rounding leaves the remainder to anybody", 10,
		[]Group{{Name: "g3", Ratio: 1, Priority: 3}, {Name: "g2", Ratio: 1, Priority: 2}, {Name: "g1", Ratio: 1, Priority: 1}},
		[]step{{"g1", 10, 4}, {"g2", 10, 3}, {"g3", 10, 3}}},
}

// runSteps makes the calls of steps on api within one second and reports the
// first step whose admitted count is wrong.
func runSteps(l Limiter, api string, steps []step) error {
	for i, s := range steps {
		got := 0
		for range s.attempts {
			d := l.Allow(context.Background(), Key{App: "app" + s.group, API: api, Group: s.group})
			if d.Allowed {
				got++
			} else if d.Err.SubCode != top.SubAPIAccessCount || d.Err.SubMsg != BanMessage(1) {
				return fmt.Errorf("step %d: rejection %+v", i, *d.Err)
			}
		}
		if got != s.admitted {
			return fmt.Errorf("step %d (%s x %d): admitted %d, want %d", i, s.group, s.attempts, got, s.admitted)
		}
	}
	return nil
}

func TestGroupsBorrowOnlyFromLowerPriority(t *testing.T) {
	for _, tc := range groupCases {
		t.Run(tc.name, func(t *testing.T) {
			fc := clock.NewFake(at(2026, 11, 11, 0, 0, 0, 0))
			const api = "taobao.trade.fullinfo.get"
			l := newTestLocal(t, fc, &Rules{APIs: map[string]APIRule{api: {PerSecond: tc.capacity, Groups: tc.groups}}})
			if err := runSteps(l, api, tc.steps); err != nil {
				t.Fatal(err)
			}
			fc.Advance(time.Second) // the next second starts with every reservation free
			if err := runSteps(l, api, tc.steps); err != nil {
				t.Fatalf("next second: %v", err)
			}
		})
	}
}

func TestGroupsSurviveRuleSwapOnlyWithTheSameLayout(t *testing.T) {
	fc := clock.NewFake(at(2026, 11, 11, 0, 0, 0, 0))
	const api = "x"
	rules := func(groups []Group) *Rules {
		return &Rules{APIs: map[string]APIRule{api: {PerSecond: 100, Groups: groups}}}
	}
	l := newTestLocal(t, fc, rules(goldSilverBronze))
	gold := Key{App: "a", API: api, Group: "gold"}
	expectAllowed(t, l, gold, 100)
	if err := l.SetRules(rules(goldSilverBronze)); err != nil {
		t.Fatal(err)
	}
	expectRejected(t, l, gold, top.SubAPIAccessCount, 1, time.Second)
	// A new layout starts the second's group counts again.
	if err := l.SetRules(rules(goldSilverBronze[:2])); err != nil {
		t.Fatal(err)
	}
	expectAllowed(t, l, gold, 100)
}

func TestGroupRulesValidate(t *testing.T) {
	tests := []struct {
		name string
		rule APIRule
	}{
		{"groups without a per-second limit", APIRule{PerMinute: 10, Groups: goldSilverBronze}},
		{"empty group name", APIRule{PerSecond: 10, Groups: []Group{{Ratio: 1}}}},
		{"duplicate group", APIRule{PerSecond: 10, Groups: []Group{{Name: "a", Ratio: 1}, {Name: "a", Ratio: 1}}}},
		{"zero ratio", APIRule{PerSecond: 10, Groups: []Group{{Name: "a"}}}},
		{"too many groups", APIRule{PerSecond: 10, Groups: manyGroups(maxGroups + 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Rules{APIs: map[string]APIRule{"x": tc.rule}}
			if err := r.Validate(); err == nil {
				t.Fatal("Validate accepted it")
			}
		})
	}
	if err := (&Rules{APIs: map[string]APIRule{"x": {PerSecond: 10, Groups: manyGroups(maxGroups)}}}).Validate(); err != nil {
		t.Fatalf("Validate refused %d groups: %v", maxGroups, err)
	}
}

func manyGroups(n int) []Group {
	gs := make([]Group, n)
	for i := range gs {
		gs[i] = Group{Name: string(rune('a' + i)), Ratio: 1, Priority: i}
	}
	return gs
}
