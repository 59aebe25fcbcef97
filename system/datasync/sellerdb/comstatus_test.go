package sellerdb_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// TestStatementCountsMatchServer checks the writer's statement counters
// against the server's own: the Com_* deltas of the package's private
// MariaDB server (no other client runs while it does).
func TestStatementCountsMatchServer(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			dsn := mariaDSN(t)
			admin, err := sql.Open("mysql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			admin.SetMaxOpenConns(1)
			db := open(t, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: dsn, WriteMode: mode, Clock: fakeClock()})

			before, stats0 := comCounters(t, admin), db.Stats().Statements
			var docs []sellerdb.Doc
			for tid := int64(1); tid <= 40; tid++ {
				docs = append(docs, version(t, tid, 0))
			}
			mustWrite(t, db, docs[:25])                                                            // new rows
			mustWrite(t, db, docs)                                                                 // 25 skipped, 15 new
			mustWrite(t, db, []sellerdb.Doc{version(t, 3, 1), version(t, 4, 1), version(t, 3, 2)}) // updates
			if _, err := db.Repair(t.Context(), []sellerdb.Doc{version(t, 5, 0)}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.MarkDeleted(t.Context(), []int64{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Cleanup(t.Context(), t0.Add(48*60*60*1e9), 2); err != nil {
				t.Fatal(err)
			}
			_ = rows(t, db)
			after, stats1 := comCounters(t, admin), db.Stats().Statements

			got := sellerdb.Counts{
				Select: after["com_select"] - before["com_select"],
				Update: after["com_update"] - before["com_update"],
				Insert: after["com_insert"] - before["com_insert"],
				Delete: after["com_delete"] - before["com_delete"],
			}
			want := sellerdb.Counts{
				Select: stats1.Select - stats0.Select,
				Update: stats1.Update - stats0.Update,
				Insert: stats1.Insert - stats0.Insert,
				Delete: stats1.Delete - stats0.Delete,
			}
			if got != want {
				t.Fatalf("server counted %+v, the writer %+v", got, want)
			}
			t.Logf("%s: %+v", mode, got)
		})
	}
}

func comCounters(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rs, err := db.QueryContext(t.Context(), "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Com_update', 'Com_insert', 'Com_delete')")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]int64{}
	for rs.Next() {
		var name string
		var v int64
		if err := rs.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		out[strings.ToLower(name)] = v
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 {
		t.Fatalf("status variables: %v", out)
	}
	return out
}

func mustWrite(t testing.TB, db *sellerdb.DB, docs []sellerdb.Doc) sellerdb.WriteResult {
	t.Helper()
	res, err := db.Write(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
