package main

import (
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	name, l, err := parseLatency("trade=2ms:20ms:0.001:200ms")
	if err != nil || name != "trade" || l.P50 != 2*time.Millisecond || l.P99 != 20*time.Millisecond || l.SpikeProb != 0.001 || l.Spike != 200*time.Millisecond {
		t.Fatalf("parse = %s %+v %v", name, l, err)
	}
	for _, bad := range []string{"trade", "trade=2ms", "trade=20ms:2ms", "trade=1ms:2ms:2:1s", "=1ms:2ms", "x=1h:2h", "x=-1ms:2ms", "x=1ms:2ms:0.1"} {
		if _, _, err := parseLatency(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	f := latencyFlags{specs: multiFlag{"trade=1ms:2ms", "taobao.item.get=3ms:4ms"}}
	cfg, err := f.config()
	if err != nil || cfg.Services["trade"].P50 != time.Millisecond || cfg.Methods["taobao.item.get"].P99 != 4*time.Millisecond {
		t.Fatalf("config = %+v %v", cfg, err)
	}
}

func FuzzParseLatency(f *testing.F) {
	f.Add("trade=2ms:20ms:0.001:200ms")
	f.Add("a=1s:1s")
	f.Fuzz(func(t *testing.T, s string) {
		_, l, err := parseLatency(s)
		if err == nil && (l.P99 < l.P50 || l.SpikeProb < 0 || l.SpikeProb > 1) {
			t.Fatalf("%q accepted as %+v", s, l)
		}
	})
}
