package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
)

func TestMetaCommands(t *testing.T) {
	st, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var announced []string
	admin := httptest.NewServer(gateway.AdminHandler(gateway.AdminConfig{Store: st,
		Announce: func(_ context.Context, k meta.Kind, id string) error {
			announced = append(announced, string(k)+"/"+id)
			return nil
		}}))
	defer admin.Close()
	a := "-admin=" + admin.URL

	file := filepath.Join(t.TempDir(), "app.json")
	os.WriteFile(file, []byte(`{"key":"isv-1","secret":"super-secret-1","status":"active","packages":["demo"]}`), 0o644)
	if code, out, errOut := runCLI(t, "meta", a, "put", "app", file); code != 0 || !strings.Contains(out, `"version": 1`) {
		t.Fatalf("put: %d %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "meta", a, "set-status", "isv-1", "disabled"); code != 0 || !strings.Contains(out, `"version": 2`) {
		t.Fatalf("set-status: %d %s", code, out)
	}
	got, err := meta.Get[meta.App](context.Background(), st, "isv-1")
	if err != nil || got.Status != meta.AppDisabled || got.Secret != "super-secret-1" {
		t.Fatalf("after set-status: %+v %v (the secret must survive a read-modify-write)", got, err)
	}
	code, out, _ := runCLI(t, "meta", a, "get", "app", "isv-1")
	if code != 0 || strings.Contains(out, "super-secret-1") || !strings.Contains(out, "disabled") {
		t.Fatalf("get: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "meta", a, "seed", "-apps", "2", "-sessions", "3"); code != 0 || !strings.Contains(out, `"sessions": 6`) {
		t.Fatalf("seed: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "meta", a, "list", "session", "-limit", "4")
	var sessions []meta.Session
	if code != 0 || json.Unmarshal([]byte(out), &sessions) != nil || len(sessions) != 4 {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, "meta", a, "delete", "app", "isv-1"); code != 0 {
		t.Fatal("delete failed")
	}
	if code, _, errOut := runCLI(t, "meta", a, "get", "app", "isv-1"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("get deleted: %d %s", code, errOut)
	}
	for _, bad := range [][]string{{"meta", a}, {"meta", a, "frob"}, {"meta", a, "get", "app"}, {"meta", a, "set-status", "x", "maybe"}, {"meta", a, "put", "planet"}} {
		if code, _, _ := runCLI(t, bad...); code != 2 {
			t.Errorf("%v exited %d, want 2", bad, code)
		}
	}
	if strings.Join(announced, ",") != "app/isv-1,app/isv-1,bulk/,app/isv-1" {
		t.Fatalf("announcements %v", announced)
	}
}
