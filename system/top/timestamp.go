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
		t, err := time.ParseInLocation(TimestampLayout, s, GMT8)
		return t, err == nil
	}
	if len(s) == 13 {
		ms, err := strconv.ParseInt(s, 10, 64)
		return time.UnixMilli(ms), err == nil && ms > 0
	}
	return time.Time{}, false
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
