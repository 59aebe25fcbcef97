package budget

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/toplab/toplab/reports"
)

// WriteTable writes one line per entry and a closing count line.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "STATUS\tBUDGET\tVALUE\tBASELINE\tBOUNDS\tMESSAGE\n")
	for _, o := range r.Outcomes {
		var bounds []string
		for _, b := range o.Bounds {
			bounds = append(bounds, b.String())
		}
		status := o.Status
		if status != Pass {
			status = strings.ToUpper(status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", status, o.Entry.Label(), num(o.Value), num(o.Base), dash(strings.Join(bounds, ", ")), dash(o.Message))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("budget table: %w", err)
	}
	p, b, e := r.Counts()
	against := ""
	if r.Baseline != "" {
		against = " against baseline " + r.Baseline
	}
	if _, err := fmt.Fprintf(w, "budget %s%s: %d passed, %d breached, %d errors\n", r.Run, against, p, b, e); err != nil {
		return fmt.Errorf("budget table: %w", err)
	}
	return nil
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	return reports.Num(*p)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// JUnit XML, the subset CI systems read: one suite, one case per entry.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// WriteJUnit writes the result as JUnit XML: one testcase per entry, a
// failure element on a breach, an error element when it could not be judged.
func (r *Result) WriteJUnit(w io.Writer) error {
	_, b, e := r.Counts()
	suite := junitSuite{Name: "budget " + r.Scenario + " " + r.Run, Tests: len(r.Outcomes), Failures: b, Errors: e}
	for _, o := range r.Outcomes {
		c := junitCase{Name: o.Entry.Label(), Classname: "toplab.budget." + r.Scenario}
		detail := fmt.Sprintf("metric %s value %s baseline %s", o.Entry.Metric, num(o.Value), num(o.Base))
		switch o.Status {
		case Pass:
			c.SystemOut = detail
		case Breach:
			c.Failure = &junitProblem{Message: o.Message, Type: "breach", Text: detail}
		default:
			c.Error = &junitProblem{Message: o.Message, Type: "unjudged", Text: detail}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "toplab budget", Tests: suite.Tests, Failures: b, Errors: e, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}
