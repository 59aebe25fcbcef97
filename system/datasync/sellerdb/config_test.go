package sellerdb_test

import (
	"testing"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

func TestOpenRejectsBadConfig(t *testing.T) {
	path := t.TempDir() + "/seller.db"
	for _, tc := range []struct {
		name string
		cfg  sellerdb.Config
	}{
		{"no dsn", sellerdb.Config{}},
		{"unknown driver", sellerdb.Config{Driver: "postgres", DSN: path}},
		{"unknown mode", sellerdb.Config{DSN: path, WriteMode: "upsert"}},
		{"negative conns", sellerdb.Config{DSN: path, MaxOpenConns: -1}},
		{"negative attempts", sellerdb.Config{DSN: path, Retry: sellerdb.Retry{Attempts: -1}}},
		{"max below base", sellerdb.Config{DSN: path, Retry: sellerdb.Retry{Base: 2e9, Max: 1e9}}},
		{"bad mysql dsn", sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: "not a dsn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if db, err := sellerdb.Open(t.Context(), tc.cfg); err == nil {
				db.Close()
				t.Fatal("accepted")
			}
		})
	}
}

// TestWriteRejectsBadDocs: a hand-built doc without tid or modified fails
// the whole batch before any statement.
func TestWriteRejectsBadDocs(t *testing.T) {
	db := open(t, sellerdb.Config{DSN: t.TempDir() + "/seller.db"})
	good := version(t, 1, 0)
	for _, bad := range []sellerdb.Doc{{Tid: 0, Modified: good.Modified, JSON: good.JSON}, {Tid: 2, JSON: good.JSON}, {Tid: 3, Modified: good.Modified}} {
		res, err := db.Write(t.Context(), []sellerdb.Doc{good, bad})
		if err == nil || res.Statements.Total() != 0 {
			t.Fatalf("write of %+v: %+v, %v; want an error and no statement", bad, res, err)
		}
	}
	// A missing hash is computed.
	noHash := good
	noHash.Hash = ""
	if res, err := db.Write(t.Context(), []sellerdb.Doc{noHash}); err != nil || res.Written != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if r := rows(t, db)[1]; r.Hash != good.Hash {
		t.Fatalf("hash %q, want %q", r.Hash, good.Hash)
	}
}
