package backend

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/top"
)

// Money is an amount in cents. TOP renders money as a decimal string with two
// places ("99.00"); integer cents keep fee arithmetic exact.
type Money int64

// maxMoney bounds parsed amounts (a hundred billion yuan) so sums cannot overflow.
const maxMoney = Money(1e13)

func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(m/100), int64(m%100))
}

// MarshalJSON renders m as TOP does: a string such as "12.30".
func (m Money) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, m.String()), nil
}

// UnmarshalJSON accepts a decimal string ("12.30") or a JSON number, signed
// (an adjust_fee is negative); inputs are checked for range where used.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		s = string(b[1 : len(b)-1]) // a money string needs no unescaping; a backslash fails below
	}
	neg := strings.HasPrefix(s, "-")
	v, err := ParseMoney(strings.TrimPrefix(s, "-"))
	if err != nil {
		return err
	}
	if neg {
		v = -v
	}
	*m = v
	return nil
}

var errBadMoney = errors.New("money must be a non-negative decimal with at most two places, such as 12.30")

// ParseMoney reads a non-negative decimal with at most two fraction digits.
func ParseMoney(s string) (Money, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || (hasDot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%q: %w", truncateForError(s), errBadMoney)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	v := Money(w*100 + f)
	if v > maxMoney {
		return 0, fmt.Errorf("%q: %w", truncateForError(s), errBadMoney)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Timestamp is a time with second resolution, as TOP's API times are: Unix
// seconds, rendered "2006-01-02 15:04:05" in GMT+8. Zero means unset.
type Timestamp int64

// TimestampOf truncates t to the second.
func TimestampOf(t time.Time) Timestamp { return Timestamp(t.Unix()) }

// Time returns the instant.
func (ts Timestamp) Time() time.Time { return time.Unix(int64(ts), 0).In(top.GMT8) }

// IsZero reports an unset time (json omitzero uses it).
func (ts Timestamp) IsZero() bool { return ts == 0 }

func (ts Timestamp) String() string { return top.FormatTimestamp(ts.Time()) }

// MarshalJSON renders ts as top.FormatTimestamp does.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, ts.String()), nil
}

// UnmarshalJSON reads the GMT+8 layout.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("time must be a string %q", top.TimestampLayout)
	}
	v, err := ParseTimestamp(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*ts = v
	return nil
}

// ParseTimestamp reads "2006-01-02 15:04:05" in GMT+8. It is on every
// order write's path, so the fixed layout is read digit by digit rather than
// with time.Parse; time.Date normalises nothing it accepts.
func ParseTimestamp(s string) (Timestamp, error) {
	bad := func() (Timestamp, error) {
		return 0, fmt.Errorf("time %q must be %q in GMT+8", truncateForError(s), top.TimestampLayout)
	}
	if len(s) != len(top.TimestampLayout) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return bad()
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return bad()
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, top.GMT8)
	if t.Day() != d { // February 30th and the like
		return bad()
	}
	return TimestampOf(t), nil
}

// truncateForError keeps echoed input short in error messages.
func truncateForError(s string) string {
	const max = 48
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "..."
}
