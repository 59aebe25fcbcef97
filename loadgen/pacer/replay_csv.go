package pacer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a replay CSV.
const (
	maxCSVRate   = 1e9     // hits per second
	maxCSVSecond = 1 << 30 // about 34 years
	maxCSVLine   = 4096    // bytes
)

// CSVError is a problem with a replay CSV, at a line (1-based; 0 for the
// file as a whole).
type CSVError struct {
	Line int
	Msg  string
}

func (e *CSVError) Error() string {
	if e.Line == 0 {
		return "pacer: replay csv: " + e.Msg
	}
	return fmt.Sprintf("pacer: replay csv: line %d: %s", e.Line, e.Msg)
}

// ParseRates reads per-second rates from CSV, strictly. Each row is either
// "second,rate" or just "rate" (the row's position being its second), the
// same for every row. An optional first row names the columns: "second,rate"
// or "rate" (case-insensitive). Blank lines and lines starting with # are
// skipped; a UTF-8 byte-order mark is allowed. Seconds are whole numbers
// that start at 0 and increase strictly (gaps are allowed: the replay holds
// or interpolates across them); rates are finite decimals from 0 to 1e9.
// Every error is a *CSVError naming its line.
func ParseRates(rd io.Reader) ([]Point, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 256), maxCSVLine)
	var (
		pts     []Point
		columns int // 0 until the header or the first row sets it
		line    int
	)
	fail := func(format string, args ...any) error {
		return &CSVError{Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if columns == 0 && isHeader(fields) {
			columns = len(fields)
			continue
		}
		switch {
		case columns == 0 && len(fields) > 2:
			return nil, fail("%d fields, want \"second,rate\" or \"rate\"", len(fields))
		case columns == 0:
			columns = len(fields)
		case len(fields) != columns:
			return nil, fail("%d fields, want %d as in the rows before", len(fields), columns)
		}
		if len(pts) == maxReplayPoints {
			return nil, fail("more than %d rates", maxReplayPoints)
		}
		second := int64(len(pts))
		if columns == 2 {
			s, err := strconv.ParseInt(fields[0], 10, 64)
			switch {
			case err != nil || s < 0 || s > maxCSVSecond:
				return nil, fail("second %q is not a whole number from 0 to %d", clip(fields[0]), maxCSVSecond)
			case len(pts) == 0 && s != 0:
				return nil, fail("the first second must be 0, not %d", s)
			case len(pts) > 0 && time.Duration(s)*time.Second <= pts[len(pts)-1].T:
				return nil, fail("second %d does not come after second %d", s, pts[len(pts)-1].T/time.Second)
			}
			second = s
		}
		raw := fields[columns-1]
		r, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(r) || math.IsInf(r, 0) || r < 0 || r > maxCSVRate {
			return nil, fail("rate %q is not a number from 0 to %g", clip(raw), maxCSVRate)
		}
		pts = append(pts, Point{T: time.Duration(second) * time.Second, Rate: r})
	}
	if err := sc.Err(); err != nil {
		line++
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fail("longer than %d bytes", maxCSVLine)
		}
		return nil, fmt.Errorf("pacer: replay csv: read: %w", err)
	}
	if len(pts) == 0 {
		return nil, &CSVError{Msg: "no rates"}
	}
	return pts, nil
}

// isHeader reports whether fields name the columns.
func isHeader(fields []string) bool {
	switch len(fields) {
	case 1:
		return strings.EqualFold(fields[0], "rate")
	case 2:
		return strings.EqualFold(fields[0], "second") && strings.EqualFold(fields[1], "rate")
	}
	return false
}

// clip shortens a field quoted in an error.
func clip(s string) string {
	if len(s) <= 32 {
		return s
	}
	cut := 32
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
