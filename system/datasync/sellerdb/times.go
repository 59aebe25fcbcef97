package sellerdb

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/system/top"
)

// Both dialects store times as TOP renders them, "2006-01-02 15:04:05" in
// GMT+8: DATETIME in MySQL, TEXT in SQLite (so they compare as strings).

// parseTime reads a TOP time; years outside 1970..9999 are refused (DATETIME
// and the string ordering both need four digits).
func parseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(top.TimestampLayout, s, top.GMT8)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q must be %q in GMT+8", clip(s), top.TimestampLayout)
	}
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("time %q is outside the years %d..%d", clip(s), minYear, maxYear)
	}
	return t, nil
}

// dbTime renders t for a parameter; the zero time is NULL.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return top.FormatTimestamp(t)
}

// scanTime reads a time column (a string in both dialects: the MySQL
// connection runs with parseTime off).
func scanTime(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(top.TimestampLayout, *s, top.GMT8)
	if err != nil {
		return time.Time{}, fmt.Errorf("sellerdb: stored time %q: %w", clip(*s), err)
	}
	return t, nil
}

// clip keeps echoed input short in error messages.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "..."
}
