package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/top"
)

// adminEnv is a gateway whose cache listens to a coordination file, and an
// admin API (another node) that writes the store and announces changes.
func adminEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	e := newEnv(t, func(cfg *gateway.Config) {
		cache, err := metacache.New(context.Background(), metacache.Config{Store: cfg.Metadata.(*metacache.Cache).Store(), Coord: co})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cache.Close)
		cfg.Metadata = cache
	})
	admin := httptest.NewServer(gateway.AdminHandler(gateway.AdminConfig{
		Store: e.store,
		Announce: func(ctx context.Context, k meta.Kind, id string) error {
			return metacache.Announce(ctx, co, nil, "", k, id)
		},
		Clock: func() time.Time { return now },
	}))
	t.Cleanup(admin.Close)
	return e, admin
}

func adminDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAdminDisablingAnAppReachesTheGateway(t *testing.T) {
	e, admin := adminEnv(t)
	call := demo(map[string]string{"method": "toplab.test.echo"})
	if r := e.post(call); r.Err != nil {
		t.Fatal(r.Err)
	}
	status, body := adminDo(t, http.MethodPut, admin.URL+"/admin/meta/app/"+meta.DemoAppKey,
		`{"key":"10000001","secret":"toplab-demo-secret","status":"disabled","packages":["demo","basic"]}`)
	if status != http.StatusOK || !strings.Contains(body, `"version"`) {
		t.Fatalf("PUT: %d %s", status, body)
	}
	waitUntil(t, "the gateway to see the app disabled", func() bool {
		r := e.post(call)
		return r.Err != nil && r.Err.SubCode == "isv.app-disabled"
	})
	status, body = adminDo(t, http.MethodGet, admin.URL+"/admin/meta/app/"+meta.DemoAppKey, "")
	if status != http.StatusOK || strings.Contains(body, meta.DemoSecret) || !strings.Contains(body, `"disabled"`) {
		t.Fatalf("GET shows %d %s (secrets must be redacted)", status, body)
	}
}

func TestAdminRejectsBadInput(t *testing.T) {
	_, admin := adminEnv(t)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown kind", http.MethodGet, "/admin/meta/planet/x", "", http.StatusNotFound},
		{"missing object", http.MethodGet, "/admin/meta/app/nope", "", http.StatusNotFound},
		{"malformed json", http.MethodPut, "/admin/meta/app/a1", `{"key":`, http.StatusBadRequest},
		{"unknown field", http.MethodPut, "/admin/meta/app/a1", `{"key":"a1","secret":"12345678","status":"active","colour":"red"}`, http.StatusBadRequest},
		{"id mismatch", http.MethodPut, "/admin/meta/app/a1", `{"key":"a2","secret":"12345678","status":"active"}`, http.StatusBadRequest},
		{"invalid object", http.MethodPut, "/admin/meta/flowrule/r1", `{"name":"r1","scope":"galaxy","window":"day","limit":1}`, http.StatusBadRequest},
		{"delete missing", http.MethodDelete, "/admin/meta/session/none", "", http.StatusNotFound},
		{"seed too big", http.MethodPost, "/admin/seed", `{"apps":1000000}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := adminDo(t, tt.method, admin.URL+tt.path, tt.body); status != tt.status || !strings.Contains(body, `"error"`) {
				t.Fatalf("%d %s, want %d with an error", status, body, tt.status)
			}
		})
	}
}

func TestAdminSeedAndList(t *testing.T) {
	e, admin := adminEnv(t)
	status, body := adminDo(t, http.MethodPost, admin.URL+"/admin/seed", `{"apps":3,"sessions_per_app":2}`)
	if status != http.StatusOK || !strings.Contains(body, `"sessions":6`) {
		t.Fatalf("seed: %d %s", status, body)
	}
	var apps []meta.App
	_, body = adminDo(t, http.MethodGet, admin.URL+"/admin/meta/app?after=load-app-000001&limit=2", "")
	if err := json.Unmarshal([]byte(body), &apps); err != nil || len(apps) != 2 || apps[0].Key != "load-app-000002" {
		t.Fatalf("list after load-app-000001: %s", body)
	}
	// The seeded app was unknown to the gateway's Bloom filter; the bulk notice re-reads it.
	call := signed("load-app-000003", "secret-000003", top.SignHMAC, map[string]string{
		"method": "taobao.trade.fullinfo.get", "session": "s-load-app-000003-2", "tid": "9"})
	waitUntil(t, "a seeded app to be served", func() bool { return e.post(call).Err == nil })
	if got := e.backend.last().Headers.Get("X-Top-User-Nick"); got != "seller_0002" {
		t.Fatalf("seeded session resolved to %q", got)
	}
	if status, _ := adminDo(t, http.MethodDelete, admin.URL+"/admin/meta/session/s-load-app-000003-2", ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	waitUntil(t, "the deleted session to be refused", func() bool {
		r := e.post(call)
		return r.Err != nil && r.Err.Code == top.CodeInvalidSession
	})
}

func TestAdminHealthAndMetrics(t *testing.T) {
	h := gateway.AdminHandler(gateway.AdminConfig{})
	for _, path := range []string{"/healthz", "/metrics", "/debug/pprof/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/meta/app", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("metadata API served without a store: %d", rec.Code)
	}
}
