package metacache

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/meta"
)

// Stats counts what the cache did; Collector exports it to Prometheus.
type Stats struct {
	// hits and loads by kind and level
	hits  map[meta.Kind]map[string]*atomic.Int64
	loads map[meta.Kind]map[string]*atomic.Int64

	BloomRejections atomic.Int64 // unknown keys answered by the filter
	Refreshes       atomic.Int64 // background refreshes after change notices
	Notices         atomic.Int64 // change notices received
	LoadErrors      atomic.Int64 // lower levels failing
}

var (
	hitLevels  = []string{"local", "negative"}
	loadLevels = []string{"redis", "store", "missing"}
)

func newStats() *Stats {
	s := &Stats{hits: map[meta.Kind]map[string]*atomic.Int64{}, loads: map[meta.Kind]map[string]*atomic.Int64{}}
	for _, k := range meta.Kinds {
		s.hits[k], s.loads[k] = map[string]*atomic.Int64{}, map[string]*atomic.Int64{}
		for _, l := range hitLevels {
			s.hits[k][l] = new(atomic.Int64)
		}
		for _, l := range loadLevels {
			s.loads[k][l] = new(atomic.Int64)
		}
	}
	return s
}

func (s *Stats) loaded(k meta.Kind, level string) { s.loads[k][level].Add(1) }

// Hits returns the reads answered by level ("local" or "negative") for kind.
func (s *Stats) Hits(k meta.Kind, level string) int64 { return s.hits[k][level].Load() }

// Loads returns the loads answered by level ("redis", "store" or "missing") for kind.
func (s *Stats) Loads(k meta.Kind, level string) int64 { return s.loads[k][level].Load() }

// Collector exports the stats as Prometheus counters.
func (s *Stats) Collector() prometheus.Collector { return statsCollector{s} }

type statsCollector struct{ s *Stats }

var (
	descHits    = prometheus.NewDesc("toplab_metacache_hits_total", "Metadata reads answered by the cache, by kind and level.", []string{"kind", "level"}, nil)
	descLoads   = prometheus.NewDesc("toplab_metacache_loads_total", "Metadata loads below the local level, by kind and the level that answered.", []string{"kind", "level"}, nil)
	descBloom   = prometheus.NewDesc("toplab_metacache_bloom_rejections_total", "Unknown app keys and sessions answered by the Bloom filter.", nil, nil)
	descRefresh = prometheus.NewDesc("toplab_metacache_refreshes_total", "Background refreshes started by change notices.", nil, nil)
	descNotices = prometheus.NewDesc("toplab_metacache_notices_total", "Change notices received.", nil, nil)
	descErrors  = prometheus.NewDesc("toplab_metacache_load_errors_total", "Loads that failed in a lower level.", nil, nil)
)

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHits, descLoads, descBloom, descRefresh, descNotices, descErrors} {
		ch <- d
	}
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	for k, levels := range c.s.hits {
		for l, v := range levels {
			ch <- prometheus.MustNewConstMetric(descHits, prometheus.CounterValue, float64(v.Load()), string(k), l)
		}
	}
	for k, levels := range c.s.loads {
		for l, v := range levels {
			ch <- prometheus.MustNewConstMetric(descLoads, prometheus.CounterValue, float64(v.Load()), string(k), l)
		}
	}
	ch <- prometheus.MustNewConstMetric(descBloom, prometheus.CounterValue, float64(c.s.BloomRejections.Load()))
	ch <- prometheus.MustNewConstMetric(descRefresh, prometheus.CounterValue, float64(c.s.Refreshes.Load()))
	ch <- prometheus.MustNewConstMetric(descNotices, prometheus.CounterValue, float64(c.s.Notices.Load()))
	ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(c.s.LoadErrors.Load()))
}
