package sellerdb_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// BenchmarkWrite measures docs written per second: batches of 1 and 50,
// both write modes, SQLite and MariaDB, for new orders (every doc a new tid)
// and for new versions of existing orders (a pool of 2000 orders written
// before timing, then cycled, each pass with a newer modified).
func BenchmarkWrite(b *testing.B) {
	const pool = 2000
	for _, be := range backends {
		for _, mode := range modes {
			for _, rows := range []string{"new", "existing"} {
				for _, batch := range []int{1, 50} {
					b.Run(fmt.Sprintf("%s/%s/rows=%s/batch=%d", be.name, mode, rows, batch), func(b *testing.B) {
						benchWrite(b, be, mode, rows == "new", batch, pool)
					})
				}
			}
		}
	}
}

func benchWrite(b *testing.B, be backend, mode string, fresh bool, batch, pool int) {
	cfg := be.cfg(b)
	if be.name == "sqlite" {
		cfg.DSN = filepath.Join(b.TempDir(), "bench.db")
	}
	cfg.WriteMode = mode
	db := open(b, cfg)
	docs := make([]sellerdb.Doc, pool)
	for i := range docs {
		docs[i] = benchDoc(b, int64(i+1))
	}
	if !fresh {
		for chunk := range slices.Chunk(docs, 500) {
			mustWrite(b, db, chunk)
		}
	}
	before := db.Stats().Statements.Total()
	buf := make([]sellerdb.Doc, batch)
	next := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for j := range buf {
			d := docs[next%pool]
			if fresh {
				d.Tid = int64(pool + next + 1)
			} else {
				d.Modified = d.Modified.Add(time.Duration(next/pool+1) * time.Second)
			}
			buf[j] = d
			next++
		}
		if _, err := db.Write(b.Context(), buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(db.Stats().Statements.Total()-before)/float64(next), "stmts/doc")
}

// benchDoc is an order of about 1 KB of JSON, the size of a one-item trade.
func benchDoc(b *testing.B, tid int64) sellerdb.Doc {
	return docOf(b, trade{
		Tid: tid, Status: "WAIT_SELLER_SEND_GOODS", Type: "fixed", SellerNick: sellerOf(tid), BuyerNick: "buyer",
		Created: "2025-11-11 00:00:00", Modified: "2025-11-11 00:00:01",
		Note: strings.Repeat("x", 800),
	})
}
