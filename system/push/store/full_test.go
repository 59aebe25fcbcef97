package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/toplab/toplab/system/clock"
)

// fillUntilFull appends 16 KiB entries until Append fails and returns the
// acknowledged ids and the error.
func fillUntilFull(t *testing.T, s *Store, m *model, limit int) ([]int64, error) {
	t.Helper()
	var ids []int64
	for i := range limit {
		p := bytes.Repeat([]byte{byte(i)}, 16<<10)
		got, err := s.Append(context.Background(), []Entry{{Queue: "full/q", TimeMs: t0.UnixMilli(), Payload: p}})
		if err != nil {
			return ids, err
		}
		m.add("full/q", got[0], p)
		ids = append(ids, got[0])
	}
	t.Fatalf("still not full after %d appends", limit)
	return nil, nil
}

func TestMaxBytes(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := testConfig(clk)
	cfg.SegmentBytes = 64 << 10
	cfg.MaxBytes = 256 << 10
	dir := t.TempDir()
	s := openStore(t, dir, cfg)
	m := newModel()
	ids, err := fillUntilFull(t, s, m, 100)
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Append past MaxBytes: %v, want ErrFull", err)
	}
	st := s.Stats()
	if st.Bytes > cfg.MaxBytes || st.FullRejects != 1 || len(ids) < 10 {
		t.Fatalf("after filling: %d bytes (max %d), %d rejects, %d stored", st.Bytes, cfg.MaxBytes, st.FullRejects, len(ids))
	}
	checkModel(t, s, m)
	// Confirms still go through when full, and reclaiming frees the space.
	if n, err := s.Confirm(context.Background(), "full/q", ids); err != nil || n != len(ids) {
		t.Fatalf("Confirm when full = %d, %v", n, err)
	}
	for _, id := range ids {
		m.live[id] = false
	}
	roll(t, s)
	s.maintain(context.Background())
	if _, err := fillUntilFull(t, s, m, 100); !errors.Is(err, ErrFull) {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Appended <= int64(len(ids))+1 {
		t.Fatalf("no room after reclaim: %+v", st)
	}
	checkModel(t, s, m)
}

// tmpfs mounts a small tmpfs in a temp dir, or skips (loudly) when it cannot.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	skip := t.Skipf
	if os.Getenv("TOPLAB_REQUIRE_INTEGRATION") == "1" {
		skip = t.Fatalf
	}
	if os.Geteuid() != 0 {
		skip("SKIPPED: the real disk-full test mounts a %s tmpfs and needs root (uid %d); run go test as root", size, os.Geteuid())
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		skip("SKIPPED: mount -t tmpfs -o size=%s failed (%v: %s); the real disk-full test needs a mountable tmpfs", size, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func TestDiskFullENOSPC(t *testing.T) {
	dir := tmpfs(t, "4m")
	cfg := testConfig(clock.NewFake(t0))
	cfg.SegmentBytes = 1 << 20
	s, err := Open(dir, cfg) // no free-space floor: write(2) itself hits ENOSPC
	if err != nil {
		t.Fatal(err)
	}
	m := newModel()
	ids, err := fillUntilFull(t, s, m, 1000)
	if !errors.Is(err, ErrFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append on a full file system: %v, want ErrFull wrapping ENOSPC", err)
	}
	t.Logf("%d entries stored before ENOSPC: %v", len(ids), err)
	if _, err := fillUntilFull(t, s, m, 1000); !errors.Is(err, ErrFull) {
		t.Fatalf("second attempt: %v, want ErrFull again", err)
	}
	checkModel(t, s, m) // the store keeps serving everything acknowledged
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, cfg)
	if rec := s2.Stats().Recovery; rec.TornBytes != 0 || rec.Corrupt != 0 {
		t.Fatalf("a failed write left damage: %+v", rec)
	}
	checkModel(t, s2, m)
}

func TestDiskFullMinFreeBytes(t *testing.T) {
	dir := tmpfs(t, "4m")
	cfg := testConfig(clock.NewFake(t0))
	cfg.SegmentBytes = 1 << 20
	cfg.MinFreeBytes = 1 << 20
	s := openStore(t, dir, cfg)
	m := newModel()
	ids, err := fillUntilFull(t, s, m, 1000)
	if !errors.Is(err, ErrFull) || errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append near the floor: %v, want ErrFull before any ENOSPC", err)
	}
	free, _ := freeBytes(dir)
	if free < 1<<20-(16<<10) {
		t.Fatalf("%d bytes free after refusing, want about the 1 MiB floor", free)
	}
	// The reserve lets confirms through; reclaim then frees room for appends.
	if n, err := s.Confirm(context.Background(), "full/q", ids); err != nil || n != len(ids) {
		t.Fatalf("Confirm near the floor = %d, %v", n, err)
	}
	for _, id := range ids {
		m.live[id] = false
	}
	roll(t, s)
	s.maintain(context.Background())
	more, err := fillUntilFull(t, s, m, 1000)
	if !errors.Is(err, ErrFull) || len(more) < len(ids)/2 {
		t.Fatalf("after reclaim: %d more stored, then %v", len(more), err)
	}
	checkModel(t, s, m)
}
