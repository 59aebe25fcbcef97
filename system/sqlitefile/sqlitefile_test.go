package sqlitefile

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// Many handles creating the same fresh file's tables at once all succeed
// (separate *sql.DB pools behave like separate processes: own connections).
func TestConcurrentFirstOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(path, 2)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- Exec(context.Background(), db,
				`CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)`,
				fmt.Sprintf(`INSERT INTO t (k) VALUES ('%d')`, i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, _ := Open(path, 1)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 32 {
		t.Fatalf("rows %d, %v", n, err)
	}
}
