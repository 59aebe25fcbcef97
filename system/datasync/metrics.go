package datasync

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
)

// snapshotCollector exports every int64 field of a stats snapshot (nested
// structs flattened) as a counter prefix_<field_in_snake_case>_total, read
// at scrape time, so the database's and the reconciler's counters need no
// metric code of their own.
type snapshotCollector struct {
	prefix string
	labels prometheus.Labels
	read   func() any
}

func (c snapshotCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	c.walk(reflect.ValueOf(c.read()), c.prefix, ch)
}

func (c snapshotCollector) walk(v reflect.Value, name string, ch chan<- prometheus.Metric) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				c.walk(v.Field(i), name+"_"+snake(f.Name), ch)
			}
		}
	case reflect.Int64, reflect.Int:
		desc := prometheus.NewDesc(name+"_total", "Counter "+strings.TrimPrefix(name, c.prefix+"_")+".", nil, c.labels)
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v.Int()))
	}
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Export adds a stats snapshot's counters to the worker's metrics under
// toplab_sync_<name>_..., e.g. Export("db", func() any { return db.Stats() }).
func (w *Worker) Export(name string, read func() any) {
	w.reg.MustRegister(snapshotCollector{prefix: "toplab_sync_" + name,
		labels: prometheus.Labels{"worker": w.cfg.ID, "cluster": w.cfg.Cluster}, read: read})
}
