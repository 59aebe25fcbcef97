package meta

import (
	"testing"
	"time"
)

func TestSyncTenantIsValidAndAuthorisesEachSeller(t *testing.T) {
	objs := SyncTenant(time.Now(), []string{DemoSeller, "hot_seller"}, []MessageGroup{{Name: "hot", Sellers: []string{"hot_seller"}}})
	sessions := map[string]string{}
	for _, o := range objs {
		if err := o.Validate(); err != nil {
			t.Fatalf("%T invalid: %v", o, err)
		}
		if s, ok := o.(Session); ok {
			sessions[s.UserNick] = s.Key
		}
		if s, ok := o.(Subscription); ok && s.GroupOf("hot_seller") != "hot" {
			t.Errorf("hot_seller in group %q, want hot", s.GroupOf("hot_seller"))
		}
	}
	if sessions[DemoSeller] != SyncSession || sessions["hot_seller"] == "" {
		t.Fatalf("sessions %v", sessions)
	}
}
