package budget

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gopkg.in/yaml.v3"
)

// Entry is one budget: bounds on one figure.
type Entry struct {
	// Name labels the entry in tables and JUnit (default: the metric).
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Metric is a figure name: streams.<stream>.<figure>, slo:<name>,
	// metrics.<key>, checks.<check>.<figure>, push_e2e.p99... (see
	// reports.Run.Figures).
	Metric string `yaml:"metric" json:"metric"`
	// Max and Min bound the value absolutely.
	Max *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	Min *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	// MaxIncreasePct and MaxDecreasePct bound it relative to the baseline
	// run's value: value <= base x (1 + pct/100), value >= base x (1 - pct/100).
	MaxIncreasePct *float64 `yaml:"max_increase_pct,omitempty" json:"max_increase_pct,omitempty"`
	MaxDecreasePct *float64 `yaml:"max_decrease_pct,omitempty" json:"max_decrease_pct,omitempty"`
	// Line is where the entry starts in its file (0 when built in code).
	Line int `yaml:"-" json:"-"`
}

// Label is the entry's name, or its metric.
func (e Entry) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return e.Metric
}

// Relative reports whether the entry needs a baseline.
func (e Entry) Relative() bool { return e.MaxIncreasePct != nil || e.MaxDecreasePct != nil }

// Validate checks the entry names a metric and has a sane bound.
func (e Entry) Validate() error {
	if e.Metric == "" {
		return errors.New("no metric")
	}
	if e.Max == nil && e.Min == nil && !e.Relative() {
		return fmt.Errorf("metric %s: no bound (max, min, max_increase_pct or max_decrease_pct)", e.Metric)
	}
	for name, p := range map[string]*float64{"max": e.Max, "min": e.Min, "max_increase_pct": e.MaxIncreasePct, "max_decrease_pct": e.MaxDecreasePct} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			return fmt.Errorf("metric %s: %s is not a number", e.Metric, name)
		}
	}
	if e.Max != nil && e.Min != nil && *e.Min > *e.Max {
		return fmt.Errorf("metric %s: min %g above max %g", e.Metric, *e.Min, *e.Max)
	}
	if (e.MaxIncreasePct != nil && *e.MaxIncreasePct < 0) || (e.MaxDecreasePct != nil && (*e.MaxDecreasePct < 0 || *e.MaxDecreasePct > 100)) {
		return fmt.Errorf("metric %s: relative bounds are percentages: increase >= 0, decrease 0..100", e.Metric)
	}
	return nil
}

// file is the budgets file's shape.
type file struct {
	Budgets []Entry `yaml:"budgets"`
}

// LoadFile reads a budgets file.
func LoadFile(path string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("budgets: %w", err)
	}
	entries, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("budgets %s: %w", path, err)
	}
	return entries, nil
}

// Parse reads budgets from YAML or JSON; errors name the line.
func Parse(data []byte) ([]Entry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, err
	}
	// Decode again as nodes for the entries' lines (the strict decode above
	// does not keep them).
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		if list := budgetsNode(&root); list != nil && len(list.Content) == len(f.Budgets) {
			for i, n := range list.Content {
				f.Budgets[i].Line = n.Line
			}
		}
	}
	if len(f.Budgets) == 0 {
		return nil, errors.New("no budgets")
	}
	for i, e := range f.Budgets {
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("line %d: budget %d: %w", e.Line, i+1, err)
		}
	}
	return f.Budgets, nil
}

// budgetsNode finds the sequence under the top-level "budgets" key.
func budgetsNode(root *yaml.Node) *yaml.Node {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "budgets" && doc.Content[i+1].Kind == yaml.SequenceNode {
			return doc.Content[i+1]
		}
	}
	return nil
}
