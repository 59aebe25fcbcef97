package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/flowctl"
	"github.com/toplab/toplab/system/gateway"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// flowLimiter is a flowctl limiter whose rules can be replaced.
type flowLimiter interface {
	flowctl.Limiter
	flowctl.StatsSource
	SetRules(*flowctl.Rules) error
}

// newFlowLimiter builds the limiter named by -limiter and keeps its rules in
// step with the metadata's flow rules. It returns nil for "off".
func newFlowLimiter(mode, zone string, rc rueidis.Client, cache *metacache.Cache, reg prometheus.Registerer, log *slog.Logger) (gateway.Limiter, func(), error) {
	loc := flowctl.DefaultLocation()
	if zone != flowctl.DefaultZone {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("bad -zone %q: %v", zone, err)}
		}
		loc = l
	}
	var lim flowLimiter
	closeFn := func() {}
	switch mode {
	case "off":
		return nil, closeFn, nil
	case "local":
		l, err := flowctl.NewLocal(flowctl.LocalConfig{})
		if err != nil {
			return nil, nil, err
		}
		lim = l
	case "exact", "leased":
		if rc == nil {
			return nil, nil, usageError{fmt.Sprintf("-limiter %s needs -redis", mode)}
		}
		cfg := flowctl.RedisConfig{Client: rc, Logger: log}
		if mode == "exact" {
			l, err := flowctl.NewRedisExact(cfg)
			if err != nil {
				return nil, nil, err
			}
			lim, closeFn = l, l.Close
		} else {
			l, err := flowctl.NewLeased(cfg)
			if err != nil {
				return nil, nil, err
			}
			lim, closeFn = l, l.Close
		}
	default:
		return nil, nil, usageError{fmt.Sprintf("bad -limiter %q: local, exact, leased or off", mode)}
	}
	reg.MustRegister(flowctl.NewCollector(mode, lim))
	cache.OnFlowRules(func(rules []meta.FlowRule) {
		r, err := gateway.FlowRules(rules, loc)
		if err == nil {
			err = lim.SetRules(r)
		}
		if err != nil {
			log.Error("flow rules not applied; the previous ones stay in force", "err", err)
			return
		}
		log.Info("flow rules applied", "rules", len(rules), "limiter", mode)
	})
	return gateway.FlowLimiter{Limiter: lim}, closeFn, nil
}
