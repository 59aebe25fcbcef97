package sellerdb_test

import (
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// TestRepairBehindTheCache: rows deleted or altered behind the writer's back
// are invisible to Write (its cache says they are current) and rewritten by
// Repair; Repair still never moves a row back in time.
func TestRepairBehindTheCache(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db := open(t, be.cfg(t))
			v := []sellerdb.Doc{version(t, 1, 1), version(t, 2, 1), version(t, 3, 1)}
			mustWrite(t, db, v)
			ctx := t.Context()
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM jdp_tb_trade WHERE tid = 1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, "UPDATE jdp_tb_trade SET status = 'TAMPERED', jdp_hashcode = 'x' WHERE tid = 2"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, "UPDATE jdp_tb_trade SET status = 'TAMPERED' WHERE tid = 3"); err != nil {
				t.Fatal(err)
			}
			if res := mustWrite(t, db, v); res.Skipped != 3 || res.Statements.Total() != 0 {
				t.Fatalf("write of cached versions: %+v, want 3 skipped without statements", res)
			}
			older := version(t, 3, 0)
			res, err := db.Repair(ctx, append(v, older))
			if err != nil {
				t.Fatal(err)
			}
			// tid 3 has v1 and v0 in the batch: v0 is dropped; v1 is rewritten in place (equal modified).
			// Altered rows are rewritten at equal modified.
			if res.Written != 3 || res.Skipped != 1 {
				t.Errorf("repair: %+v, want 3 written, 1 skipped", res)
			}
			got := rows(t, db)
			for _, d := range v {
				r := got[d.Tid]
				if r.Status != d.Status || r.Hash != d.Hash || !r.Modified.Equal(d.Modified) {
					t.Errorf("tid %d after repair: %+v, want %s %s", d.Tid, r, d.Status, d.Hash)
				}
			}
			// Repairing an identical row leaves it as it is (SQLite counts it
			// written, MySQL stale when jdp_modified falls in the same second).
			if res, err := db.Repair(ctx, v[:1]); err != nil || res.Written+res.Stale != 1 {
				t.Fatalf("repair of an identical row: %+v, %v", res, err)
			}
			if r := rows(t, db)[1]; r.Hash != v[0].Hash || r.Status != v[0].Status {
				t.Errorf("tid 1 after an identical repair: %+v", r)
			}
			// An older version through Repair is stale.
			if res, err := db.Repair(ctx, []sellerdb.Doc{older}); err != nil || res.Stale != 1 {
				t.Fatalf("repair with an older version: %+v, %v; want stale", res, err)
			}
			if r := rows(t, db)[3]; r.Status != v[2].Status {
				t.Errorf("repair moved tid 3 back to %s", r.Status)
			}
		})
	}
}

// TestVersions: the window is inclusive at both ends, per seller, and
// includes logically deleted rows, flagged.
func TestVersions(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db := open(t, be.cfg(t))
			var docs []sellerdb.Doc
			for tid := int64(1); tid <= 12; tid++ {
				docs = append(docs, version(t, tid, 0)) // modified t0 + tid s; seller tid%3
			}
			mustWrite(t, db, docs)
			if _, err := db.MarkDeleted(t.Context(), []int64{6}); err != nil {
				t.Fatal(err)
			}
			got, err := db.Versions(t.Context(), sellerOf(0), t0.Add(3*time.Second), t0.Add(9*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			want := []int64{3, 6, 9}
			if len(got) != len(want) {
				t.Fatalf("versions %+v, want tids %v", got, want)
			}
			for i, v := range got {
				d := docs[want[i]-1]
				if v.Tid != want[i] || !v.Modified.Equal(d.Modified) || v.Hash != d.Hash || v.Status != d.Status || v.Deleted != (v.Tid == 6) {
					t.Errorf("version %d: %+v, want %d %s %s", i, v, d.Tid, d.Modified, d.Hash)
				}
			}
		})
	}
}
