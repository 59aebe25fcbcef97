package pacer

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParseRates(t *testing.T) {
	sec := func(s int) time.Duration { return time.Duration(s) * time.Second }
	tests := []struct {
		name string
		csv  string
		want []Point
	}{
		{"one column", "5\n6.5\n0\n", []Point{{0, 5}, {sec(1), 6.5}, {sec(2), 0}}},
		{"one column with header", "rate\n5\n6\n", []Point{{0, 5}, {sec(1), 6}}},
		{"two columns", "0,5\n1,7\n", []Point{{0, 5}, {sec(1), 7}}},
		{"two columns with header, spaces, CRLF", "Second , RATE\r\n0, 5\r\n1 ,7\r\n", []Point{{0, 5}, {sec(1), 7}}},
		{"gaps", "second,rate\n0,1\n10,2\n11,3\n", []Point{{0, 1}, {sec(10), 2}, {sec(11), 3}}},
		{"comments, blank lines, BOM", "\ufeff# recorded 2025-11-11\n\nrate\n\n1e3\n# end\n", []Point{{0, 1000}}},
		{"no trailing newline", "1\n2", []Point{{0, 1}, {sec(1), 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRates(strings.NewReader(tc.csv))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("point %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// Every error names its line.
func TestParseRatesErrors(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		line int
		want string
	}{
		{"empty", "", 0, "no rates"},
		{"only a header", "second,rate\n", 0, "no rates"},
		{"only comments", "# x\n\n", 0, "no rates"},
		{"not a number", "1\n2\nabc\n", 3, `rate "abc"`},
		{"unknown header", "seconds,rps\n0,1\n", 1, `second "seconds"`},
		{"negative rate", "rate\n1\n-2\n", 3, "rate"},
		{"NaN", "1\nNaN\n", 2, "NaN"},
		{"infinite", "0,1\n1,+Inf\n", 2, "Inf"},
		{"too large", "1\n2e9\n", 2, "2e9"},
		{"three fields", "0,1,2\n", 1, "3 fields"},
		{"field count changes", "rate\n1\n1,2\n", 3, "2 fields, want 1"},
		{"field count changes after pairs", "0,1\n1,2\n3\n", 3, "1 fields, want 2"},
		{"empty field", "0,1\n1,\n", 2, `rate ""`},
		{"first second not 0", "second,rate\n1,5\n", 2, "first second must be 0"},
		{"second repeats", "0,5\n1,5\n1,6\n", 3, "does not come after"},
		{"second goes back", "0,5\n4,5\n2,6\n", 3, "does not come after"},
		{"fractional second", "0,5\n1.5,6\n", 2, `second "1.5"`},
		{"negative second", "0,5\n-1,6\n", 2, `second "-1"`},
		{"huge second", "0,5\n99999999999,6\n", 2, "second"},
		{"long line", "1\n" + strings.Repeat("9", 5000) + "\n", 2, "longer than"},
		{"header after data", "1\nrate\n", 2, `rate "rate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRates(strings.NewReader(tc.csv))
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CSVError", err)
			}
			if ce.Line != tc.line {
				t.Fatalf("error %q at line %d, want line %d", err, ce.Line, tc.line)
			}
			mustMention(t, err, tc.want)
			if tc.line > 0 {
				mustMention(t, err, "line ")
			}
		})
	}
}

func TestParseRatesReadError(t *testing.T) {
	_, err := ParseRates(iotest.ErrReader(errors.New("disk gone")))
	mustMention(t, err, "disk gone")
}

// Hold keeps each second's rate; linear moves between them; both last one
// second past the last row.
func TestReplayInterpolation(t *testing.T) {
	const csv = "second,rate\n0,100\n2,300\n3,0\n"
	hold := mustReplay(t, csv, InterpHold)
	lin := mustReplay(t, csv, InterpLinear)
	tests := []struct {
		at         time.Duration
		hold, line float64
	}{
		{0, 100, 100},
		{time.Second, 100, 200},
		{2 * time.Second, 300, 300},
		{2500 * time.Millisecond, 300, 150},
		{3 * time.Second, 0, 0},
		{4 * time.Second, 0, 0},
	}
	for _, tc := range tests {
		if got := hold.Rate(tc.at); got != tc.hold {
			t.Errorf("hold Rate(%v) = %v, want %v", tc.at, got, tc.hold)
		}
		if got := lin.Rate(tc.at); got != tc.line {
			t.Errorf("linear Rate(%v) = %v, want %v", tc.at, got, tc.line)
		}
	}
	if hold.Bound() != 4*time.Second || lin.Bound() != 4*time.Second {
		t.Fatalf("bounds %v %v, want 4s", hold.Bound(), lin.Bound())
	}
	if got := len(simulate(t, hold, time.Hour)); got != 100*2+300 {
		t.Fatalf("hold sent %d, want 500", got)
	}
	if got := len(simulate(t, lin, time.Hour)); got != 400+150 {
		t.Fatalf("linear sent %d, want 550", got)
	}
	if i, err := ParseInterpolation("linear"); err != nil || i != InterpLinear || i.String() != "linear" {
		t.Fatalf("ParseInterpolation(linear) = %v, %v", i, err)
	}
	if _, err := ParseInterpolation("cubic"); err == nil {
		t.Fatal("cubic accepted")
	}
}
