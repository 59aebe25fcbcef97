package sellerdb_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// TestCleanupBatches: Cleanup deletes only rows marked deleted before the
// cut-off, batch rows per DELETE, and stops after a DELETE that removes
// nothing: ceil(n/batch)+1 statements.
func TestCleanupBatches(t *testing.T) {
	const old, recent, live = 23, 3, 4
	for _, be := range backends {
		for _, batch := range []int{1, 5, 23, 100} {
			t.Run(be.name+"/batch="+itoa(batch), func(t *testing.T) {
				fc := fakeClock()
				cfg := be.cfg(t)
				cfg.Clock = fc
				db := open(t, cfg)
				var docs []sellerdb.Doc
				var oldTids, recentTids []int64
				for tid := int64(1); tid <= old+recent+live; tid++ {
					docs = append(docs, version(t, tid, 0))
					switch {
					case tid <= old:
						oldTids = append(oldTids, tid)
					case tid <= old+recent:
						recentTids = append(recentTids, tid)
					}
				}
				mustWrite(t, db, docs)
				if n, err := db.MarkDeleted(t.Context(), oldTids); err != nil || n != old {
					t.Fatalf("mark: %d, %v", n, err)
				}
				fc.Advance(2 * time.Hour)
				if n, err := db.MarkDeleted(t.Context(), recentTids); err != nil || n != recent {
					t.Fatalf("mark: %d, %v", n, err)
				}
				before := db.Stats().Statements.Delete
				n, err := db.Cleanup(t.Context(), fc.Now().Add(-time.Hour), batch)
				if err != nil || n != old {
					t.Fatalf("cleanup: %d, %v; want %d", n, err, old)
				}
				if got, want := db.Stats().Statements.Delete-before, int64((old+batch-1)/batch+1); got != want {
					t.Errorf("%d DELETE statements, want ceil(%d/%d)+1 = %d", got, old, batch, want)
				}
				got := rows(t, db)
				if len(got) != recent+live {
					t.Errorf("%d rows left, want %d", len(got), recent+live)
				}
				for tid, r := range got {
					if tid <= old || r.Deleted != (tid <= old+recent) {
						t.Errorf("row %d left with deleted=%v", tid, r.Deleted)
					}
				}
			})
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
