package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

type nopPlatform struct{}

func (nopPlatform) Increment(context.Context, Query) (Page, error) { return Page{}, nil }

type nopStore struct{}

func (nopStore) Versions(context.Context, string, time.Time, time.Time) ([]sellerdb.Version, error) {
	return nil, nil
}

func (nopStore) Repair(context.Context, []sellerdb.Doc) (sellerdb.WriteResult, error) {
	return sellerdb.WriteResult{}, nil
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	base := func() Config {
		return Config{Platform: nopPlatform{}, Store: nopStore{}, Checkpoints: &MemCheckpoints{}, Sellers: StaticSellers{"a"}}
	}
	tests := []struct {
		name    string
		tweak   func(*Config)
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", tweak: func(*Config) {}, check: func(t *testing.T, c Config) {
			if c.Interval != time.Minute || c.Overlap != time.Minute || c.Lag != 10*time.Second || c.Window != 24*time.Hour ||
				c.Horizon != 7*24*time.Hour || c.SweepWindow != time.Hour || c.SweepEvery != time.Minute ||
				c.PageSize != 100 || c.MaxWindowOrders != 20000 || c.CheckpointPrefix != "datasync.reconcile" {
				t.Fatalf("defaults %+v", c)
			}
		}},
		{name: "sweep off", tweak: func(c *Config) { c.SweepEvery = -1 }, check: func(t *testing.T, c Config) {
			if c.SweepEvery >= 0 {
				t.Fatal("a negative sweep period must stay negative (off)")
			}
		}},
		{name: "missing parts", tweak: func(c *Config) { c.Store = nil }, wantErr: "required"},
		{name: "overlap below a second", tweak: func(c *Config) { c.Overlap = 500 * time.Millisecond }, wantErr: "at least 1 s"},
		{name: "window over a day", tweak: func(c *Config) { c.Window = 25 * time.Hour }, wantErr: "API's limit"},
		{name: "sweep window over a day", tweak: func(c *Config) { c.SweepWindow = 25 * time.Hour }, wantErr: "API's limit"},
		{name: "window too short to move", tweak: func(c *Config) { c.Window = time.Minute }, wantErr: "twice the overlap"},
		{name: "page over the API's", tweak: func(c *Config) { c.PageSize = 101 }, wantErr: "API's limit"},
		{name: "negative", tweak: func(c *Config) { c.Lag = -time.Second }, wantErr: "negative"},
		{name: "bad prefix", tweak: func(c *Config) { c.CheckpointPrefix = "a b" }, wantErr: "prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.tweak(&c)
			got, err := c.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestCheckpointNamesAreValidCursorNames(t *testing.T) {
	tests := []struct {
		seller, want string
	}{
		{"seller_0001", "datasync.reconcile.tail:seller_0001"},
		{"demo_seller", "datasync.reconcile.tail:demo_seller"},
		{"小店", "datasync.reconcile.tail:h-"},                     // UTF-8: hashed
		{"a b", "datasync.reconcile.tail:h-"},                    // a space: hashed
		{strings.Repeat("x", 64), "datasync.reconcile.tail:xxx"}, // long plain nicks fit
	}
	for _, tt := range tests {
		got := CheckpointName("datasync.reconcile", KindTail, tt.seller)
		if !strings.HasPrefix(got, tt.want) || len(got) > 128 || !cursorName.MatchString(got) {
			t.Errorf("CheckpointName(%q) = %q, want a valid cursor name starting %q", tt.seller, got, tt.want)
		}
	}
	if CheckpointName("p", KindTail, "小店") == CheckpointName("p", KindTail, "小铺") {
		t.Fatal("two nicks share a checkpoint")
	}
	if CheckpointName("p", KindTail, "a") == CheckpointName("p", KindSweep, "a") {
		t.Fatal("tail and sweep share a checkpoint")
	}
}
