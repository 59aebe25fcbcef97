package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

// Page is a self-contained report page: a heading, facts, tables and
// figures. Runs and comparisons both render through it.
type Page struct {
	// Title is the browser title; Heading the h1, followed by Verdict (PASS,
	// FAIL or empty) styled by Status ("pass", "fail").
	Title, Heading, Verdict, Status string
	Facts                           []Fact
	Tables                          []Table
	Figures                         []Figure
}

var (
	//go:embed report.html.tmpl
	pageTemplate string
	//go:embed style.css
	pageCSS string

	pageTmpl = template.Must(template.New("page").Parse(pageTemplate))
)

// HTML renders the page: inline CSS and SVG, no script, no external URL.
func (p Page) HTML() ([]byte, error) {
	// A hand-built table may lack statuses; the template indexes them.
	p.Tables = append([]Table(nil), p.Tables...)
	for i := range p.Tables {
		t := &p.Tables[i]
		if len(t.Status) < len(t.Rows) {
			t.Status = append(append([]string(nil), t.Status...), make([]string, len(t.Rows)-len(t.Status))...)
		}
	}
	var b bytes.Buffer
	data := struct {
		Page
		CSS template.CSS
	}{p, template.CSS(pageCSS)}
	if err := pageTmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	return b.Bytes(), nil
}

// Markdown renders the page's heading, facts and tables (figures are left
// to the HTML).
func (p Page) Markdown() []byte {
	var b bytes.Buffer
	h := p.Heading
	if p.Verdict != "" {
		h += " " + p.Verdict
	}
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(h))
	for _, f := range p.Facts {
		fmt.Fprintf(&b, "- **%s**: %s\n", f.Label, mdEscape(f.Value))
	}
	for _, t := range p.Tables {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Title)
		if len(t.Rows) == 0 {
			b.WriteString("none\n")
			continue
		}
		writeMDRow(&b, t.Head)
		b.WriteString("|" + strings.Repeat(" --- |", len(t.Head)) + "\n")
		for _, row := range t.Rows {
			writeMDRow(&b, row)
		}
	}
	return b.Bytes()
}

func writeMDRow(b *bytes.Buffer, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		c = mdEscape(c)
		switch c {
		case "FAIL":
			c = "**FAIL**"
		case "":
			c = " "
		}
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// mdReplacer keeps a cell on one line and its pipes from splitting the table.
var mdReplacer = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ")

func mdEscape(s string) string { return mdReplacer.Replace(s) }
