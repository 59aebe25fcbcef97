package sellerdb_test

import (
	"testing"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// step is one Write and what it must do.
type step struct {
	name                    string
	docs                    []sellerdb.Doc
	written, skipped, stale int
	stmts                   sellerdb.Counts
}

func TestWriteStatements(t *testing.T) {
	for _, be := range backends {
		for _, mode := range modes {
			for _, cached := range []bool{true, false} {
				name := be.name + "/" + mode + "/cache"
				if !cached {
					name = be.name + "/" + mode + "/nocache"
				}
				t.Run(name, func(t *testing.T) {
					cfg := be.cfg(t)
					cfg.WriteMode = mode
					if !cached {
						cfg.CacheSize = -1
					}
					db := open(t, cfg)
					v0, v1, v2 := version(t, 7, 0), version(t, 7, 1), version(t, 7, 2)
					steps := writeSteps(mode, cached, v0, v1, v2)
					for _, s := range steps {
						res, err := db.Write(t.Context(), s.docs)
						if err != nil {
							t.Fatalf("%s: %v", s.name, err)
						}
						if res.Written != s.written || res.Skipped != s.skipped || res.Stale != s.stale || res.Statements != s.stmts {
							t.Errorf("%s: got written %d skipped %d stale %d statements %+v; want %d %d %d %+v",
								s.name, res.Written, res.Skipped, res.Stale, res.Statements, s.written, s.skipped, s.stale, s.stmts)
						}
					}
					r := rows(t, db)[7]
					if r.Status != v2.Status || !r.Modified.Equal(v2.Modified) || r.Hash != v2.Hash || r.SellerNick != v2.SellerNick {
						t.Errorf("row %+v, want version 2 (%s, %s, %s)", r, v2.Status, v2.Modified, v2.Hash)
					}
				})
			}
		}
	}
}

// writeSteps is the scenario of TestWriteStatements: a new row, a newer
// version, a duplicate, an older version, a batch of mixed versions.
func writeSteps(mode string, cached bool, v0, v1, v2 sellerdb.Doc) []step {
	cond := mode == sellerdb.ModeConditional
	steps := []step{
		{name: "new row", docs: []sellerdb.Doc{v0}, written: 1,
			stmts: pick(cond, sellerdb.Counts{Update: 1, Insert: 1}, sellerdb.Counts{Select: 1, Insert: 1})},
		{name: "newer version", docs: []sellerdb.Doc{v1}, written: 1,
			stmts: pick(cond, sellerdb.Counts{Update: 1}, sellerdb.Counts{Select: 1, Update: 1})},
	}
	if cached {
		steps = append(steps,
			step{name: "duplicate", docs: []sellerdb.Doc{v1}, skipped: 1},
			step{name: "older version", docs: []sellerdb.Doc{v0}, skipped: 1},
		)
	} else {
		// Without the cache the guard refuses them: UPDATE then the guarded insert, or the SELECT alone.
		stale := pick(cond, sellerdb.Counts{Update: 1, Insert: 1}, sellerdb.Counts{Select: 1})
		steps = append(steps,
			step{name: "duplicate", docs: []sellerdb.Doc{v1}, stale: 1, stmts: stale},
			step{name: "older version", docs: []sellerdb.Doc{v0}, stale: 1, stmts: stale},
		)
	}
	// One batch with three versions of the tid: only the newest is sent.
	steps = append(steps, step{name: "batch of versions", docs: []sellerdb.Doc{v2, v0, v1}, written: 1, skipped: 2,
		stmts: pick(cond, sellerdb.Counts{Update: 1}, sellerdb.Counts{Select: 1, Update: 1})})
	return steps
}

func pick(cond bool, a, b sellerdb.Counts) sellerdb.Counts {
	if cond {
		return a
	}
	return b
}

func TestWriteStampsAndRevives(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			fc := fakeClock()
			cfg := be.cfg(t)
			cfg.Clock = fc
			db := open(t, cfg)
			created := fc.Now()
			if _, err := db.Write(t.Context(), []sellerdb.Doc{version(t, 1, 0)}); err != nil {
				t.Fatal(err)
			}
			fc.Advance(90 * 1e9)
			if n, err := db.MarkDeleted(t.Context(), []int64{1, 1, 99}); err != nil || n != 1 {
				t.Fatalf("mark deleted: %d, %v; want 1 row", n, err)
			}
			if r := rows(t, db)[1]; !r.Deleted || !r.JDPModified.Equal(fc.Now()) || !r.JDPCreated.Equal(created) {
				t.Fatalf("after mark: %+v", r)
			}
			fc.Advance(90 * 1e9)
			v1 := version(t, 1, 1)
			if _, err := db.Write(t.Context(), []sellerdb.Doc{v1}); err != nil {
				t.Fatal(err)
			}
			r := rows(t, db)[1]
			if r.Deleted || r.Status != v1.Status || !r.JDPModified.Equal(fc.Now()) || !r.JDPCreated.Equal(created) {
				t.Fatalf("a newer version must revive the row and keep jdp_created: %+v", r)
			}
		})
	}
}
