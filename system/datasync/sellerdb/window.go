package sellerdb

import (
	"fmt"
	"strings"
	"time"

	"github.com/toplab/toplab/system/top"
)

// Window is a daily span of GMT+8 wall time, such as the off-peak hours
// "02:00-05:00"; it may wrap midnight ("23:00-01:30").
type Window struct {
	Start, End time.Duration // offsets from midnight GMT+8, in [0, 24h)
}

// ParseWindow reads "HH:MM-HH:MM" (GMT+8). Start and end must differ.
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("sellerdb: window %q must be HH:MM-HH:MM", clip(s))
	}
	start, err1 := parseClock(from)
	end, err2 := parseClock(to)
	switch {
	case err1 != nil || err2 != nil:
		return Window{}, fmt.Errorf("sellerdb: window %q must be HH:MM-HH:MM", clip(s))
	case start == end:
		return Window{}, fmt.Errorf("sellerdb: window %q is empty", clip(s))
	}
	return Window{Start: start, End: end}, nil
}

// parseClock reads "HH:MM" strictly (two digits each).
func parseClock(s string) (time.Duration, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("bad clock time")
	}
	digit := func(c byte) int {
		if c < '0' || c > '9' {
			return -100
		}
		return int(c - '0')
	}
	h, m := digit(s[0])*10+digit(s[1]), digit(s[3])*10+digit(s[4])
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, fmt.Errorf("bad clock time")
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func (w Window) String() string {
	f := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return f(w.Start) + "-" + f(w.End)
}

func (w Window) length() time.Duration {
	d := w.End - w.Start
	if d <= 0 {
		d += 24 * time.Hour
	}
	return d
}

// Next returns the window that contains t, or else the first one after t,
// as [start, end).
func (w Window) Next(t time.Time) (start, end time.Time) {
	l := t.In(top.GMT8)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, top.GMT8)
	for day := -1; day <= 1; day++ { // GMT+8 has no daylight saving: days are 24 h
		s := midnight.AddDate(0, 0, day).Add(w.Start)
		e := s.Add(w.length())
		if t.Before(e) {
			return s, e
		}
	}
	panic("unreachable: a window starts within a day of any time")
}

// Contains reports whether t is inside the window.
func (w Window) Contains(t time.Time) bool {
	s, _ := w.Next(t)
	return !t.Before(s)
}
