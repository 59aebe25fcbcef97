package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

func TestParseProcessStat(t *testing.T) {
	// A command name with spaces and parentheses, utime 250 and stime 37 ticks.
	line := "4242 (we(ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 3 0 12345 1000 10 184467\n"
	got, err := parseProcessStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if got.User != 2500*time.Millisecond || got.System != 370*time.Millisecond {
		t.Fatalf("got %+v, want user 2.5s system 370ms", got)
	}
	for _, bad := range []string{"", "4242 name S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 -5 37 0"} {
		if _, err := parseProcessStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParseProcessStat(f *testing.F) {
	f.Add([]byte("1 (init) S 0 1 1 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 1 0 5 1000 10"))
	f.Add([]byte("1 ()) S"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseProcessStat(b)
		if err == nil && (c.User < 0 || c.System < 0) {
			t.Fatalf("negative time %+v from %q", c, b)
		}
	})
}

// TestProcessCPUCountsChildren burns CPU in a child of a shell and reads it
// from the shell's tree while the child still runs.
func TestProcessCPUCountsChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no procfs")
	}
	cmd := exec.Command("sh", "-c", "timeout 5 sh -c 'while :; do :; done' & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	if _, err := os.Stat("/proc/" + pid + "/task/" + pid + "/children"); err != nil {
		t.Skip("kernel without /proc/<pid>/task/<pid>/children")
	}
	deadline := time.Now().Add(4 * time.Second)
	for {
		tree, err := ProcessCPU(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := parseOwn(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if tree.Total()-alone.Total() >= 200*time.Millisecond {
			return // the busy grandchild's time is in the tree's reading
		}
		if time.Now().After(deadline) {
			t.Fatalf("tree %v, shell alone %v: the child's CPU is missing", tree.Total(), alone.Total())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func parseOwn(pid int) (CPU, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return CPU{}, err
	}
	return parseProcessStat(b)
}
