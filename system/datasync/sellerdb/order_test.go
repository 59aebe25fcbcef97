package sellerdb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// TestOutOfOrderEndsNewest is the zero-loss property: many orders' versions,
// duplicated, shuffled and written in random batches by 4 goroutines at
// once, leave exactly the newest version of every order, and no reader ever
// sees a row go back in time.
func TestOutOfOrderEndsNewest(t *testing.T) {
	const orders, writers = 120, 4
	for _, be := range backends {
		for _, mode := range modes {
			for round, cacheSize := range []int{0, 16} { // the default cache, and one that evicts all the time
				t.Run(fmt.Sprintf("%s/%s/cache=%d", be.name, mode, cacheSize), func(t *testing.T) {
					seed := uint64(time.Now().UnixNano())
					t.Logf("seed %d, cache %d", seed, cacheSize)
					rng := rand.New(rand.NewPCG(seed, uint64(round)))
					cfg := be.cfg(t)
					cfg.WriteMode, cfg.CacheSize = mode, cacheSize
					db := open(t, cfg)

					newest := map[int64]sellerdb.Doc{}
					var docs []sellerdb.Doc
					for tid := int64(1); tid <= orders; tid++ {
						n := 1 + rng.IntN(6)
						for v := range n {
							d := version(t, tid, v)
							docs = append(docs, d)
							if rng.IntN(3) == 0 {
								docs = append(docs, d) // a resent message
							}
						}
						newest[tid] = version(t, tid, n-1)
					}
					rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
					batches := make(chan []sellerdb.Doc)
					go func() {
						defer close(batches)
						for rest := docs; len(rest) > 0; {
							n := min(len(rest), 1+rng.IntN(20))
							batches <- rest[:n]
							rest = rest[n:]
						}
					}()

					ctx, stopReader := context.WithCancel(t.Context())
					readerDone := make(chan error, 1)
					go func() { readerDone <- neverBackwards(ctx, db) }()

					var wg sync.WaitGroup
					var mu sync.Mutex
					var total sellerdb.WriteResult
					for range writers {
						wg.Go(func() {
							for b := range batches {
								res, err := db.Write(t.Context(), b)
								if err != nil {
									t.Error(err)
									return
								}
								mu.Lock()
								total.Written += res.Written
								total.Skipped += res.Skipped
								total.Stale += res.Stale
								mu.Unlock()
							}
						})
					}
					wg.Wait()
					stopReader()
					if err := <-readerDone; err != nil {
						t.Fatal(err)
					}
					if got := total.Written + total.Skipped + total.Stale; got != len(docs) {
						t.Errorf("written+skipped+stale = %d, want %d docs", got, len(docs))
					}
					got := rows(t, db)
					if len(got) != orders {
						t.Errorf("%d rows, want %d", len(got), orders)
					}
					for tid, want := range newest {
						r := got[tid]
						if r.Status != want.Status || !r.Modified.Equal(want.Modified) || r.Hash != want.Hash || r.Deleted {
							t.Errorf("tid %d: row (%s, %s, %s), want (%s, %s, %s)", tid, r.Status, r.Modified, r.Hash, want.Status, want.Modified, want.Hash)
						}
					}
					t.Logf("%d docs: %+v; stats %+v", len(docs), total, db.Stats())
				})
			}
		}
	}
}

// neverBackwards scans the table until ctx ends and fails if any row's
// modified or status ever goes back.
func neverBackwards(ctx context.Context, db *sellerdb.DB) error {
	seen := map[int64]time.Time{}
	for ctx.Err() == nil {
		err := db.Scan(ctx, func(r sellerdb.Row) error {
			if prev, ok := seen[r.Tid]; ok && r.Modified.Before(prev) {
				return &backwardsError{r.Tid, prev, r.Modified}
			}
			seen[r.Tid] = r.Modified
			return nil
		})
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

type backwardsError struct {
	tid      int64
	from, to time.Time
}

func (e *backwardsError) Error() string {
	return fmt.Sprintf("tid %d went back from %s to %s", e.tid, e.from, e.to)
}
