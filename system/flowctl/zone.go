package flowctl

import "time"

// DefaultZone is where daily quotas roll over: TOP resets them at midnight GMT+8.
const DefaultZone = "Asia/Shanghai"

// DefaultLocation returns Asia/Shanghai, or a fixed +08:00 zone of that name
// when the system has no zoneinfo (a scratch image without tzdata).
func DefaultLocation() *time.Location { return loadZone(DefaultZone, time.LoadLocation) }

// loadZone loads name, falling back to +08:00 for DefaultZone; load is a
// parameter so the fallback can be tested.
func loadZone(name string, load func(string) (*time.Location, error)) *time.Location {
	loc, err := load(name)
	if err != nil {
		return time.FixedZone(DefaultZone, 8*60*60)
	}
	return loc
}
