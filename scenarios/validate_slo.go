package scenarios

import (
	"maps"
	"slices"
	"strings"
)

// slo checks the SLOs: each required when its subject runs and refused
// when it does not, so a verdict never silently goes missing.
func (v *validator) slo() {
	s := v.s
	const path = "slo"
	// judged requires an SLO when its subject runs and refuses one when not.
	judged := func(sub string, runs bool, subject string) bool {
		p := field(path, sub)
		switch {
		case runs && !s.has(p):
			v.keyErrf(p, "required when %s runs", subject)
		case !runs && s.has(p):
			v.keyErrf(p, "nothing to judge: %s does not run", subject)
		}
		return runs && s.has(p)
	}
	if judged("api_p99", s.Streams.API != nil, "the api stream") && v.required("slo.api_p99.default") {
		v.positive("slo.api_p99.default", s.SLO.APIP99.Default)
	}
	for _, class := range slices.Sorted(maps.Keys(s.SLO.APIP99.Classes)) {
		cp := field("slo.api_p99.classes", class)
		if !slices.Contains(APIClasses, class) {
			v.keyErrf(cp, "unknown API class %q (want %s)", class, strings.Join(APIClasses, ", "))
		}
		v.positive(cp, s.SLO.APIP99.Classes[class])
	}
	if judged("api_error_rate", s.Streams.API != nil, "the api stream") {
		v.fraction("slo.api_error_rate", s.SLO.APIErrorRate)
	}
	if judged("push_e2e_p99", s.Streams.Push != nil, "the push stream") {
		v.positive("slo.push_e2e_p99", s.SLO.PushE2EP99)
	}
	_, sync := s.Env.Nodes[RoleSync]
	if judged("sync_freshness_p99", sync, "the sync role") {
		v.positive("slo.sync_freshness_p99", s.SLO.SyncFreshP99)
	}
	if s.SLO.LostMessages < 0 {
		v.errf("slo.lost_messages", "must be >= 0, got %d", s.SLO.LostMessages)
	}
	if s.SLO.OrderDifferences < 0 {
		v.errf("slo.order_differences", "must be >= 0, got %d", s.SLO.OrderDifferences)
	}
}
