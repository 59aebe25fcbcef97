package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// CalibrationKey identifies what a stream's calibrated capacity depends on:
// the stream's settings (not its peak or shapes), the stores and every
// role's count and flags. The runner caches capacities per machine under
// this key, so a sweep of scale reuses one calibration while a sweep of a
// knob (sync.write-mode, push.count) measures again.
func (s *Scenario) CalibrationKey(stream string) string {
	var settings any
	switch stream {
	case StreamAPI:
		if a := s.Streams.API; a != nil {
			c := *a
			c.Peak = Rate{}
			settings = c
		}
	case StreamOrders:
		if o := s.Streams.Orders; o != nil {
			c := *o
			c.Peak = Rate{}
			settings = c
		}
	case StreamPush:
		if p := s.Streams.Push; p != nil {
			c := *p
			c.Peak = Rate{}
			settings = c
		}
	}
	roles := map[string]any{}
	for role, n := range s.Env.Nodes {
		roles[role] = map[string]any{"count": n.Count, "flags": s.flags(role)}
	}
	b, err := json.Marshal(map[string]any{ // maps marshal with sorted keys: a stable key
		"stream": stream, "settings": settings, "store": s.Env.Store, "coord": s.Env.Coord,
		"roles": roles, "duration": s.Calibration.Duration,
	})
	if err != nil {
		panic("scenarios: calibration key: " + err.Error()) // plain data always marshals
	}
	sum := sha256.Sum256(b)
	return stream + "-" + hex.EncodeToString(sum[:8])
}

// File returns the scenario's file name as given to Parse or Load (the
// bundled file's name for Bundled).
func (s *Scenario) File() string { return s.file }
