package sellerdb

import "github.com/maypok86/otter/v2"

// lastWritten remembers, per tid, the version this process last committed,
// so a duplicate message costs no statement. It is bounded: an evicted tid
// only costs a guarded statement that finds the row stale.
type lastWritten struct {
	c *otter.Cache[int64, version]
}

type version struct {
	modified int64 // Unix seconds
	hash     string
}

func newLastWritten(size int) *lastWritten {
	return &lastWritten{c: otter.Must(&otter.Options[int64, version]{MaximumSize: size})}
}

// covers reports whether the committed version is d's or newer: d needs no
// statement. A row altered behind our back is Repair's business.
func (l *lastWritten) covers(d *Doc) bool {
	if l == nil {
		return false
	}
	v, ok := l.c.GetIfPresent(d.Tid)
	if !ok {
		return false
	}
	m := d.Modified.Unix()
	return m < v.modified || (m == v.modified && d.Hash == v.hash)
}

// committed records d as written, unless a newer version was recorded by a
// concurrent writer meanwhile (the cache, like the row, never goes back).
func (l *lastWritten) committed(d *Doc) {
	if l == nil {
		return
	}
	nv := version{modified: d.Modified.Unix(), hash: d.Hash}
	l.c.Compute(d.Tid, func(old version, found bool) (version, otter.ComputeOp) {
		if found && old.modified > nv.modified {
			return old, otter.CancelOp
		}
		return nv, otter.WriteOp
	})
}

func (l *lastWritten) close() { l.c.StopAllGoroutines() }
