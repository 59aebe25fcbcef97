package tmcclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

func TestCancelStopsRunWithoutLeaks(t *testing.T) {
	tests := []struct {
		name  string
		busy  bool                        // a handler is running (else: backing off)
		setup func(t *testing.T, p *peer) // where the client is when Run is cancelled
	}{
		{"connected with a handler busy", true, func(t *testing.T, p *peer) {
			pc := p.next(t)
			for id := int64(1); id <= 3; id++ {
				if err := pc.send(msg(id)); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"waiting out a backoff", false, func(t *testing.T, p *peer) {
			p.next(t).ws.Close()
		}},
		{"refused", false, func(t *testing.T, p *peer) {
			p.next(t)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			p := newPeer(t)
			if tt.name == "refused" {
				p.ack = func(*tmc.Connect, bool) tmc.ConnectAck { return tmc.ConnectAck{StatusCode: tmc.StatusUnavailable} }
			}
			busy := make(chan struct{}, 8)
			c := newTestClient(t, p, func(ctx context.Context, m *tmc.Message) error {
				busy <- struct{}{}
				<-ctx.Done() // a well-behaved handler returns when Run's context ends
				return ctx.Err()
			}, func(cfg *Config) { cfg.Clock = clock.NewFake(time.Now()) })
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx) }()
			tt.setup(t, p)
			if tt.busy {
				<-busy
			} else {
				eventually(t, "backing off", func() bool { return c.Stats().Backoffs == 1 })
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run returned %v, want context.Canceled", err)
				}
			case <-time.After(safety):
				t.Fatal("Run did not return after cancel")
			}
			if c.Connected() || c.Stats().Queued != 0 {
				t.Errorf("after Run: connected %v, queued %d", c.Connected(), c.Stats().Queued)
			}
			p.close() // before the leak check; the cleanup's close is then a no-op
			goleak.VerifyNone(t, ignore)
		})
	}
}

func TestNewChecksTheConfig(t *testing.T) {
	ok := Config{URL: "ws://127.0.0.1:8810/", AppKey: "k", Secret: "s", Handler: func(context.Context, *tmc.Message) error { return nil }}
	tests := []struct {
		name string
		edit func(*Config)
		want string // in the error; "" means valid
	}{
		{"valid", func(*Config) {}, ""},
		{"wss", func(c *Config) { c.URL = "wss://push.example.com/" }, ""},
		{"http url", func(c *Config) { c.URL = "http://127.0.0.1:8810/" }, "ws(s) url"},
		{"no url", func(c *Config) { c.URL = "" }, "ws(s) url"},
		{"no host", func(c *Config) { c.URL = "ws:///x" }, "ws(s) url"},
		{"no app key", func(c *Config) { c.AppKey = "" }, "app key and secret"},
		{"no secret", func(c *Config) { c.Secret = "" }, "app key and secret"},
		{"no handler", func(c *Config) { c.Handler = nil }, "handler"},
		{"negative workers", func(c *Config) { c.Workers = -1 }, "workers"},
		{"inline", func(c *Config) { c.Inline = true }, ""},
		{"inline with workers", func(c *Config) { c.Inline, c.Workers = true, 4 }, "Inline"},
		{"inline with deliver", func(c *Config) {
			c.Inline, c.Handler, c.Deliver = true, nil, func(*tmc.Message, func(error)) {}
		}, "Inline"},
		{"negative heartbeat", func(c *Config) { c.HeartbeatInterval = -time.Second }, "heartbeat"},
		{"max below min", func(c *Config) { c.ReconnectMin, c.ReconnectMax = time.Minute, time.Second }, "below"},
		{"min above the default max", func(c *Config) { c.ReconnectMin = time.Minute }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := New(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := New(Config{URL: "ws://127.0.0.1:8810/", AppKey: "k", Secret: "s", Handler: func(context.Context, *tmc.Message) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	s := c.cfg
	if s.Group != "default" || s.SDK != "toplab-go/"+Version || s.Workers != 1 || s.QueueSize != 2000 ||
		s.DedupeWindow != 100000 || s.HeartbeatInterval != 45*time.Second || s.PullInterval != 20*time.Second ||
		s.ReconnectMin != time.Second || s.ReconnectMax != 30*time.Second || cap(c.queues[0]) != 2000 {
		t.Errorf("defaults %+v", s.Config)
	}
}
