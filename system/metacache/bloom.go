package metacache

import (
	"sync"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/toplab/toplab/system/meta"
)

// bloomSet is a Bloom filter of the ids that exist, per kind. Additions are
// rare (a new app or session) and tests happen only on local misses, so a
// read-write lock costs nothing on the hit path.
type bloomSet struct {
	mu sync.RWMutex
	f  *bloom.BloomFilter
}

func newBloomSet(n uint, fp float64) *bloomSet {
	return &bloomSet{f: bloom.NewWithEstimates(n, fp)}
}

func bloomKey(kind meta.Kind, id string) string { return string(kind) + "\x00" + id }

func (b *bloomSet) add(kind meta.Kind, id string) {
	b.mu.Lock()
	b.f.AddString(bloomKey(kind, id))
	b.mu.Unlock()
}

func (b *bloomSet) test(kind meta.Kind, id string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.f.TestString(bloomKey(kind, id))
}
