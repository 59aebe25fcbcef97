package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/backend"
)

// latencyFlags read -latency name=p50:p99[:spike_prob:spike] (repeatable);
// name is a service (trade, item, user) or an API method.
type latencyFlags struct{ specs multiFlag }

func (f *latencyFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.specs, "latency", "added latency as name=p50:p99[:spike_prob:spike], name a service (trade, item, user) or a method; e.g. trade=2ms:20ms:0.001:200ms (repeatable)")
}

func (f *latencyFlags) config() (backend.LatencyConfig, error) {
	cfg := backend.LatencyConfig{Services: map[string]backend.Latency{}, Methods: map[string]backend.Latency{}}
	for _, s := range f.specs {
		name, l, err := parseLatency(s)
		if err != nil {
			return cfg, usageError{err.Error()}
		}
		if strings.Contains(name, ".") {
			cfg.Methods[name] = l
		} else {
			cfg.Services[name] = l
		}
	}
	return cfg, nil
}

func parseLatency(s string) (string, backend.Latency, error) {
	var l backend.Latency
	name, spec, ok := strings.Cut(s, "=")
	parts := strings.Split(spec, ":")
	if !ok || name == "" || (len(parts) != 2 && len(parts) != 4) {
		return "", l, fmt.Errorf("bad -latency %q: want name=p50:p99[:spike_prob:spike]", s)
	}
	durs := []*time.Duration{&l.P50, &l.P99}
	if len(parts) == 4 {
		durs = append(durs, &l.Spike)
		p, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return "", l, fmt.Errorf("bad -latency %q: spike probability %q must be in [0, 1]", s, parts[2])
		}
		l.SpikeProb = p
		parts = []string{parts[0], parts[1], parts[3]}
	}
	for i, d := range durs {
		v, err := time.ParseDuration(parts[i])
		if err != nil || v < 0 || v > time.Minute {
			return "", l, fmt.Errorf("bad -latency %q: %q is not a duration in 0..1m", s, parts[i])
		}
		*d = v
	}
	if l.P99 < l.P50 {
		return "", l, fmt.Errorf("bad -latency %q: p99 below p50", s)
	}
	return name, l, nil
}
