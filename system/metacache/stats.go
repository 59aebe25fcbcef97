package metacache

import (
	"sync/atomic"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/meta"
)

// Stats counts what the cache did; Collector exports it to Prometheus.
type Stats struct {
	// hits and loads by kind and level
	hits  map[meta.Kind]map[string]*counter
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
	s := &Stats{hits: map[meta.Kind]map[string]*counter{}, loads: map[meta.Kind]map[string]*atomic.Int64{}}
	for _, k := range meta.Kinds {
		s.hits[k], s.loads[k] = map[string]*counter{}, map[string]*atomic.Int64{}
		for _, l := range hitLevels {
			s.hits[k][l] = new(counter)
		}
		for _, l := range loadLevels {
			s.loads[k][l] = new(atomic.Int64)
		}
	}
	return s
}

func (s *Stats) loaded(k meta.Kind, level string) { s.loads[k][level].Add(1) }

// Hits returns the reads answered by level ("local" or "negative") for kind.
func (s *Stats) Hits(k meta.Kind, level string) int64 { return s.hits[k][level].load() }

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
			ch <- prometheus.MustNewConstMetric(descHits, prometheus.CounterValue, float64(v.load()), string(k), l)
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

// counter is a count that goroutines on different cores mostly add to in
// different cache lines: every hit adds one, and one shared word would bounce
// between the cores. A goroutine picks its stripe by its stack's address.
type counter struct {
	stripes [counterStripes]struct {
		n atomic.Int64
		_ [56]byte // one cache line each
	}
}

const counterStripes = 8 // a power of two

func (c *counter) add() {
	var onStack byte
	// Stacks are at least 2 KiB apart: the bits above pick the goroutine,
	// the multiplication mixes them into the top bits.
	h := uint64(uintptr(unsafe.Pointer(&onStack))>>11) * 0x9E3779B97F4A7C15
	c.stripes[h>>61].n.Add(1)
}

func (c *counter) load() int64 {
	var n int64
	for i := range c.stripes {
		n += c.stripes[i].n.Load()
	}
	return n
}
