package assign

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/coord"
)

func TestConfigDefaultsAndTTLBounds(t *testing.T) {
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	tests := []struct {
		name         string
		cfg          Config
		wantErr      string
		wantInterval time.Duration
		wantTTL      time.Duration
	}{
		{name: "defaults", cfg: Config{Coord: co, ID: "w1"}, wantInterval: 30 * time.Second, wantTTL: 60 * time.Second},
		{name: "short interval for tests", cfg: Config{Coord: co, ID: "w1", Interval: time.Second}, wantInterval: time.Second, wantTTL: 2 * time.Second},
		{name: "ttl just above the interval", cfg: Config{Coord: co, ID: "w1", Interval: 10 * time.Second, TTL: 11 * time.Second}, wantInterval: 10 * time.Second, wantTTL: 11 * time.Second},
		{name: "ttl equal to the interval flaps", cfg: Config{Coord: co, ID: "w1", Interval: 10 * time.Second, TTL: 10 * time.Second}, wantErr: "must be above the interval"},
		{name: "ttl beyond two intervals breaks the bound", cfg: Config{Coord: co, ID: "w1", Interval: 10 * time.Second, TTL: 21 * time.Second}, wantErr: "at most twice"},
		{name: "no coordinator", cfg: Config{ID: "w1"}, wantErr: "coordinator is required"},
		{name: "no id", cfg: Config{Coord: co}, wantErr: "member id is required"},
		{name: "negative interval", cfg: Config{Coord: co, ID: "w1", Interval: -time.Second}, wantErr: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Interval != tt.wantInterval || got.TTL != tt.wantTTL || got.Group != DefaultGroup {
				t.Fatalf("interval %s ttl %s group %q, want %s %s %q", got.Interval, got.TTL, got.Group, tt.wantInterval, tt.wantTTL, DefaultGroup)
			}
			// The documented bound: a dead member's tasks move within TTL + Interval <= 3 Interval.
			if got.TTL+got.Interval > 3*got.Interval {
				t.Fatalf("ttl %s + interval %s exceeds three intervals", got.TTL, got.Interval)
			}
		})
	}
}
