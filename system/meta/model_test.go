package meta

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	future := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		obj     Object
		wantErr string
	}{
		{"app ok", App{Key: "10000001", Secret: "toplab-demo-secret", Status: AppActive, IPWhitelist: []string{"127.0.0.1", "10.0.0.0/8"}}, ""},
		{"app short secret", App{Key: "1", Secret: "short", Status: AppActive}, "secret"},
		{"app bad status", App{Key: "1", Secret: "longenough", Status: "on"}, "status"},
		{"app bad whitelist", App{Key: "1", Secret: "longenough", Status: AppActive, IPWhitelist: []string{"300.1.1.1"}}, "whitelist"},
		{"api ok", API{Name: "taobao.trade.fullinfo.get", Backend: "trade", Fields: map[string]int{"tid": 0, "receiver_mobile": 2}, DefaultFields: []string{"tid"}}, ""},
		{"api bad name", API{Name: "Trade Get", Backend: "trade"}, "method name"},
		{"api default not a field", API{Name: "a.b", Backend: "x", DefaultFields: []string{"tid"}}, "default field"},
		{"session no expiry", Session{Key: "s", AppKey: "1", UserID: 1, UserNick: "n"}, "expiry"},
		{"session nick with slash", Session{Key: "s", AppKey: "1", UserID: 1, UserNick: "a/b", Expires: future}, "nick"},
		{"rule ok", FlowRule{Name: "r", Scope: ScopeAPI, API: "a.b", Window: WindowSecond, Limit: 10,
			Groups: []TrafficGroup{{"gold", 0.6, 3}, {"silver", 0.3, 2}, {"bronze", 0.1, 1}}}, ""},
		{"rule groups sum", FlowRule{Name: "r", Scope: ScopeAPI, API: "a.b", Window: WindowSecond, Limit: 10,
			Groups: []TrafficGroup{{"gold", 0.6, 3}}}, "sum"},
		{"rule groups on app scope", FlowRule{Name: "r", Scope: ScopeApp, App: "1", Window: WindowDay, Limit: 10,
			Groups: []TrafficGroup{{"gold", 1, 3}}}, "api-scoped"},
		{"rule app_api missing app", FlowRule{Name: "r", Scope: ScopeAppAPI, API: "a.b", Window: WindowDay, Limit: 1}, "both"},
		{"rule bad window", FlowRule{Name: "r", Scope: ScopeApp, App: "1", Window: "hour", Limit: 1}, "window"},
		{"rule app per second", FlowRule{Name: "r", Scope: ScopeApp, App: "1", Window: WindowSecond, Limit: 1}, "counts per [day]"},
		{"rule api per day", FlowRule{Name: "r", Scope: ScopeAPI, API: "a.b", Window: WindowDay, Limit: 1}, "counts per"},
		{"permit ok", TopicPermit{AppKey: "1", Seller: "demo_seller", Topics: []string{"taobao_trade_TradeCreate"}}, ""},
		{"worker empty cluster", SellerWorker{Seller: "hot"}, "cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.obj.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewObjectCoversEveryKind(t *testing.T) {
	for _, k := range Kinds {
		o, ok := NewObject(k)
		if !ok || o.Kind() != k {
			t.Errorf("NewObject(%s) = %v, %v", k, o, ok)
		}
		if got, ok := KindOf(string(k)); !ok || got != k {
			t.Errorf("KindOf(%s) = %v", k, got)
		}
	}
}
