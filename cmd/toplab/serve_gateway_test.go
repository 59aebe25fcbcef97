package main

import (
	"slices"
	"strings"
	"testing"
)

func TestParseBackends(t *testing.T) {
	got, err := parseBackends([]string{"trade=http://a:1", "item=http://a:1,http://b:2"})
	if err != nil {
		t.Fatal(err)
	}
	if got["trade"].URL != "http://a:1" || len(got["trade"].Replicas) != 0 {
		t.Errorf("trade: %+v", got["trade"])
	}
	if got["item"].URL != "http://a:1" || !slices.Equal(got["item"].Replicas, []string{"http://b:2"}) {
		t.Errorf("item: %+v", got["item"])
	}
	for _, bad := range [][]string{{"trade"}, {"=http://a"}, {"trade="}, {"item=http://a,"}, {"item=http://a", "item=http://b"}} {
		if _, err := parseBackends(bad); err == nil || !strings.Contains(err.Error(), "bad -backend") {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}
