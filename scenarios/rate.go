package scenarios

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rate is a stream's peak: an absolute rate ("200/s", "6000/m") or a
// fraction of the stream's calibrated capacity (0.6). At most one field is set;
// the zero Rate means "not given" (the scenario's scale applies).
type Rate struct {
	PerSecond float64 `json:"per_second,omitempty"` // absolute, hits per second
	Fraction  float64 `json:"fraction,omitempty"`   // of calibrated capacity
}

// IsZero reports whether the rate was not given.
func (r Rate) IsZero() bool { return r.PerSecond == 0 && r.Fraction == 0 }

// Absolute reports whether the rate needs no calibration.
func (r Rate) Absolute() bool { return r.PerSecond > 0 }

func (r Rate) String() string {
	if r.PerSecond != 0 {
		return strconv.FormatFloat(r.PerSecond, 'g', -1, 64) + "/s"
	}
	return strconv.FormatFloat(r.Fraction, 'g', -1, 64)
}

var ratePer = map[string]float64{"/s": 1, "/m": 60, "/h": 3600}

// ParseRate reads "200/s", "6000/m", "1e6/h" or a bare fraction "0.6".
func ParseRate(s string) (Rate, bool) {
	s = strings.TrimSpace(s)
	for suffix, per := range ratePer {
		if num, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return Rate{}, false
			}
			return Rate{PerSecond: f / per}, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Rate{}, false
	}
	return Rate{Fraction: f}, true
}

func (r *Rate) decodeYAML(d *decoder, n *yaml.Node, path string) {
	const want = "a rate like 200/s or a fraction of calibrated capacity like 0.6"
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errf(n, path, "want %s, got %s", want, describe(n))
		return
	}
	v, ok := ParseRate(n.Value)
	if !ok {
		d.errf(n, path, "want %s, got %q", want, n.Value)
		return
	}
	if v.IsZero() {
		d.errf(n, path, "must be > 0")
		return
	}
	*r = v
}
