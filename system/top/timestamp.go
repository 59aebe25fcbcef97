package top

import (
	"strconv"
	"time"
)

// TimestampLayout is the timestamp parameter's layout, in GMT+8.
const TimestampLayout = "2006-01-02 15:04:05"

// MaxSkew is how far a request's timestamp may be from the server's clock.
const MaxSkew = 10 * time.Minute

// GMT8 is the protocol's time zone (China has had no daylight saving since 1991).
var GMT8 = time.FixedZone("GMT+8", 8*3600)

// FormatTimestamp renders t as the timestamp parameter.
func FormatTimestamp(t time.Time) string { return t.In(GMT8).Format(TimestampLayout) }

// ParseTimestamp reads the timestamp parameter: the GMT+8 layout, or Unix
// milliseconds as newer SDKs send.
func ParseTimestamp(s string) (time.Time, bool) {
	if len(s) == len(TimestampLayout) {
		if t, ok := parseLayout(s); ok {
			return t, true
		}
		// What the fast path refuses, time.Parse may still take (it lets a
		// run of spaces stand for one and a one-digit hour): it decides.
		t, err := time.ParseInLocation(TimestampLayout, s, GMT8)
		return t, err == nil
	}
	if len(s) == 13 {
		ms, err := strconv.ParseInt(s, 10, 64)
		return time.UnixMilli(ms), err == nil && ms > 0
	}
	return time.Time{}, false
}

// parseLayout reads "2006-01-02 15:04:05" in GMT+8 as written by every SDK,
// at a fraction of time.ParseInLocation's cost (every call is checked with
// it). It accepts nothing time.ParseInLocation refuses and reads the same
// instant (a fuzz test holds them together).
func parseLayout(s string) (time.Time, bool) {
	if s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	var v [6]int
	for i, at := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		for _, c := range []byte(s[at[0]:at[1]]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			v[i] = v[i]*10 + int(c-'0')
		}
	}
	year, month, day, hour, minute, sec := v[0], time.Month(v[1]), v[2], v[3], v[4], v[5]
	if month < time.January || month > time.December || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, GMT8)
	return t, t.Day() == day // February 30 normalises to March: refused, as time.Parse does
}

// CheckTimestamp validates the timestamp parameter against now.
func CheckTimestamp(s string, now time.Time, maxSkew time.Duration) *Error {
	if s == "" {
		return NewError(CodeMissingTimestamp, "", "")
	}
	t, ok := ParseTimestamp(s)
	if !ok {
		return Errorf(CodeInvalidTimestamp, "isv.invalid-parameter:timestamp", "timestamp must be %q in GMT+8 or Unix milliseconds", TimestampLayout)
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return Errorf(CodeInvalidTimestamp, "isv.invalid-parameter:timestamp", "timestamp is %s away from the server time; at most %s is accepted", d.Round(time.Second).Abs(), maxSkew)
	}
	return nil
}
