package meta

import (
	"strings"
	"testing"
)

func TestSubscriptionValidate(t *testing.T) {
	ok := Subscription{AppKey: "a1", Topics: []string{"taobao_trade_TradeCreate"}, FieldLevel: 1,
		Groups: []MessageGroup{{Name: "hot", Sellers: []string{"s1", "s2"}}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid subscription refused: %v", err)
	}
	for name, tc := range map[string]struct {
		s    Subscription
		want string
	}{
		"bad app":          {Subscription{AppKey: "a b"}, "app key"},
		"bad topic":        {Subscription{AppKey: "a", Topics: []string{""}}, "topic"},
		"level":            {Subscription{AppKey: "a", FieldLevel: 10}, "field level"},
		"default group":    {Subscription{AppKey: "a", Groups: []MessageGroup{{Name: "default", Sellers: []string{"x"}}}}, "twice"},
		"dup group":        {Subscription{AppKey: "a", Groups: []MessageGroup{{Name: "g", Sellers: []string{"x"}}, {Name: "g", Sellers: []string{"y"}}}}, "twice"},
		"empty group":      {Subscription{AppKey: "a", Groups: []MessageGroup{{Name: "g"}}}, "no seller"},
		"seller in two":    {Subscription{AppKey: "a", Groups: []MessageGroup{{Name: "g", Sellers: []string{"x"}}, {Name: "h", Sellers: []string{"x"}}}}, "in groups"},
		"bad seller":       {Subscription{AppKey: "a", Groups: []MessageGroup{{Name: "g", Sellers: []string{"a/b"}}}}, "seller"},
		"negative cursor?": {Subscription{AppKey: ""}, "app key"},
	} {
		err := tc.s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error about %q", name, err, tc.want)
		}
	}
	if err := (Cursor{Name: "c", Seq: -1}).Validate(); err == nil {
		t.Error("negative cursor accepted")
	}
}

func TestSubscriptionRouting(t *testing.T) {
	s := Subscription{AppKey: "a", Topics: []string{"t1", "t2"},
		Groups: []MessageGroup{{Name: "hot", Sellers: []string{"big"}}}}
	if g := s.GroupOf("big"); g != "hot" {
		t.Errorf("GroupOf(big) = %q", g)
	}
	if g := s.GroupOf("small"); g != DefaultGroup {
		t.Errorf("GroupOf(small) = %q", g)
	}
	if !s.HasGroup("hot") || !s.HasGroup(DefaultGroup) || s.HasGroup("cold") {
		t.Error("HasGroup wrong")
	}
	if !s.Subscribes("t2") || s.Subscribes("t3") {
		t.Error("Subscribes wrong")
	}
	if !(TopicPermit{}).PermitsTopic("any") {
		t.Error("an empty permit list must permit every subscribed topic")
	}
	if (TopicPermit{Topics: []string{"t1"}}).PermitsTopic("t2") {
		t.Error("permit for t1 allowed t2")
	}
	if (Producer{Topics: []string{"t1"}}).MayPublish("t2") || !(Producer{Topics: []string{"t1"}}).MayPublish("t1") {
		t.Error("MayPublish wrong")
	}
}
