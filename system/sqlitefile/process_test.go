package sqlitefile

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const childEnv = "SQLITEFILE_TEST_CHILD_DB"

// TestChildOpen is run by TestConcurrentProcessesCreateOneFile in child
// processes; on its own it does nothing.
func TestChildOpen(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs as a child of TestConcurrentProcessesCreateOneFile")
	}
	db, err := Open(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Exec(context.Background(), db, `CREATE TABLE IF NOT EXISTS a (k TEXT)`, `CREATE TABLE IF NOT EXISTS b (k TEXT)`,
		`INSERT INTO a (k) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
}

// Processes that create the same fresh file at once all succeed (they got
// SQLITE_BUSY without waiting before Exec retried).
func TestConcurrentProcessesCreateOneFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "shared.db")
		var cmds []*exec.Cmd
		for range 6 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildOpen$", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+path)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, cmd)
		}
		for _, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("round %d: a process failed to create the shared file: %v", round, err)
			}
		}
	}
}
