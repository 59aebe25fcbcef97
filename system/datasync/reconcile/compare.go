package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// compare reads the database side of the window and returns the platform
// docs the database lacks or holds an older or different version of. A
// logically deleted row holds its version and compares like any other: only
// a newer platform version is written over it, as the worker's write would.
func (r *Reconciler) compare(ctx context.Context, seller string, from, to time.Time, l listing) ([]sellerdb.Doc, error) {
	vs, err := r.cfg.Store.Versions(ctx, seller, from, to)
	if err != nil {
		if ctx.Err() == nil {
			r.stats.storeErrors.Add(1)
		}
		return nil, fmt.Errorf("read versions: %w", err)
	}
	db := make(map[int64]sellerdb.Version, len(vs))
	for _, v := range vs {
		db[v.Tid] = v
	}
	var repair []sellerdb.Doc
	var missing, stale, altered int64
	for tid, e := range l {
		v, ok := db[tid]
		delete(db, tid)
		switch {
		case !ok:
			// Not in the window on our side: absent, or held at a modified
			// outside the window (Repair's guard decides which).
			missing++
		case v.Modified.Unix() < e.modified:
			stale++
		case v.Modified.Unix() == e.modified && v.Hash != e.hash:
			altered++
		default:
			continue // equal, or newer on our side (the worker wrote a later version meanwhile)
		}
		// Decoded in full only now: what is written is validated as the worker's writes are.
		d, err := sellerdb.ParseDoc(e.raw)
		if err != nil {
			r.malformed(seller, err)
			continue
		}
		repair = append(repair, d)
	}
	r.stats.compared.Add(int64(len(l)))
	r.stats.missing.Add(missing)
	r.stats.stale.Add(stale)
	r.stats.altered.Add(altered)
	r.stats.extra.Add(int64(len(db)))
	// Sorted by tid, as the writer locks rows: fewer lock waits with the worker.
	slices.SortFunc(repair, func(a, b sellerdb.Doc) int { return cmp.Compare(a.Tid, b.Tid) })
	return repair, nil
}

// repair writes docs in batches; every batch commits before the next starts.
func (r *Reconciler) repair(ctx context.Context, docs []sellerdb.Doc) error {
	for batch := range slices.Chunk(docs, r.cfg.RepairBatch) {
		res, err := r.cfg.Store.Repair(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				r.stats.storeErrors.Add(1)
			}
			return fmt.Errorf("repair %d orders: %w", len(batch), err)
		}
		r.stats.repaired.Add(int64(res.Written))
		r.stats.refused.Add(int64(res.Stale))
	}
	return nil
}
