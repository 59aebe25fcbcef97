package flowctl

import (
	"sync/atomic"
	"time"
)

// window is the length of a fixed window: a second, a minute or a local day.
type window uint8

const (
	winSecond window = iota
	winMinute
	winDay
)

// seconds is the window's length as sent to Redis; 0 marks a local day,
// whose length and start depend on the zone.
func (w window) seconds() int {
	switch w {
	case winSecond:
		return 1
	case winMinute:
		return 60
	}
	return 0
}

// letter names the window in counter names.
func (w window) letter() byte { return "smd"[w] }

// span is one window: its id (unique among windows of the same length and
// increasing with time) and its end in Unix nanoseconds.
type span struct {
	id  uint32
	end int64
}

// days caches the current local day so the hot path computes a day window
// with two compares instead of a time zone conversion.
type days struct {
	loc *time.Location
	cur atomic.Pointer[daySpan]
}

type daySpan struct{ start, end int64 } // Unix nanoseconds

func newDays(loc *time.Location) *days {
	if loc == nil {
		loc = DefaultLocation()
	}
	return &days{loc: loc}
}

// at returns the local day containing now (Unix nanoseconds).
func (d *days) at(now int64) daySpan {
	if c := d.cur.Load(); c != nil && now >= c.start && now < c.end {
		return *c
	}
	t := time.Unix(0, now).In(d.loc)
	y, m, dd := t.Date()
	s := daySpan{
		start: time.Date(y, m, dd, 0, 0, 0, 0, d.loc).UnixNano(),
		end:   time.Date(y, m, dd+1, 0, 0, 0, 0, d.loc).UnixNano(), // 23 or 25 h on a DST change
	}
	d.cur.Store(&s)
	return s
}

// offset is the zone's offset from UTC at now, in seconds: Redis scripts
// compute the local day from Redis time with it.
func (d *days) offset(now int64) int {
	_, off := time.Unix(0, now).In(d.loc).Zone()
	return off
}

// spanOf returns the window of length w containing now (Unix nanoseconds).
// Ids are Unix seconds, minutes, or the day's start in Unix seconds: all fit
// 32 bits until 2106.
func (d *days) spanOf(w window, now int64) span {
	sec := now / int64(time.Second)
	switch w {
	case winSecond:
		return span{id: uint32(sec), end: (sec + 1) * int64(time.Second)}
	case winMinute:
		m := sec / 60
		return span{id: uint32(m), end: (m + 1) * int64(time.Minute)}
	}
	ds := d.at(now)
	return span{id: uint32(ds.start / int64(time.Second)), end: ds.end}
}
