package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/toplab/toplab/system/clock"
)

// recordOffsets lists the offsets of the good records of a segment file.
func recordOffsets(t testing.TB, path string) (offs []int, data []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	scanRecords(data, headerSize, func(off int, _ *record) { offs = append(offs, off) })
	return offs, data
}

func TestReopenAfterClose(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	cfg := testConfig(clk)
	cfg.SegmentBytes = 1 << 10
	s := openStore(t, dir, cfg)
	m := newModel()
	now := clk.Now().UnixMilli()
	a := appendN(t, s, m, "app/a", 40, now)
	appendN(t, s, m, "app/b", 40, now)
	// Confirm some of a's early entries later, from a newer segment.
	if n, err := s.Confirm(context.Background(), "app/a", a[:10]); err != nil || n != 10 {
		t.Fatalf("Confirm = %d, %v", n, err)
	}
	for _, id := range a[:10] {
		m.live[id] = false
	}
	before := s.Stats()
	if before.Segments < 3 {
		t.Fatalf("only %d segments; the test wants several", before.Segments)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var onDisk int64
	for _, p := range segmentPaths(t, dir) {
		fi, _ := os.Stat(p)
		onDisk += fi.Size()
	}
	if onDisk != before.Bytes {
		t.Fatalf("segment files hold %d bytes after Close, Stats said %d (preallocated space not trimmed?)", onDisk, before.Bytes)
	}

	s2 := openStore(t, dir, cfg)
	checkModel(t, s2, m)
	rec := s2.Stats().Recovery
	if rec.Segments != before.Segments || rec.Messages != 80 || rec.Records != 81 || rec.TornBytes != 0 || rec.Corrupt != 0 || rec.Bytes != onDisk {
		t.Fatalf("recovery %+v; want %d segments, 80 messages, 81 records, %d bytes, nothing torn or corrupt", rec, before.Segments, onDisk)
	}
	ids, err := s2.Append(context.Background(), []Entry{{Queue: "app/a", Payload: []byte("next")}})
	if err != nil || ids[0] != 81 {
		t.Fatalf("first id after recovery = %v, %v; want 81", ids, err)
	}
}

func TestRecoverCopyWithoutClose(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	cfg := testConfig(clk)
	s := openStore(t, dir, cfg)
	m := newModel()
	now := clk.Now().UnixMilli()
	appendN(t, s, m, "app/a", 30, now)
	b := appendN(t, s, m, "app/b", 5, now)
	if _, err := s.Confirm(context.Background(), "app/b", b[1:3]); err != nil {
		t.Fatal(err)
	}
	m.live[b[1]], m.live[b[2]] = false, false

	crashed := copyDir(t, dir) // as a crash leaves it: active segment still preallocated
	paths := segmentPaths(t, crashed)
	if fi, _ := os.Stat(paths[len(paths)-1]); fi.Size() != cfg.SegmentBytes {
		t.Fatalf("active segment copy is %d bytes, want the preallocated %d", fi.Size(), cfg.SegmentBytes)
	}
	s2 := openStore(t, crashed, cfg)
	checkModel(t, s2, m)
	if rec := s2.Stats().Recovery; rec.TornBytes != 0 || rec.Corrupt != 0 {
		t.Fatalf("preallocated zeros were taken for damage: %+v", rec)
	}
	ids, err := s2.Append(context.Background(), []Entry{{Queue: "app/c", Payload: []byte("after")}})
	if err != nil || ids[0] != 36 {
		t.Fatalf("Append after recovery = %v, %v; want id 36", ids, err)
	}
}

// threeEntries writes three entries to one segment, closes, and returns the
// directory, the segment path, its ids and the last record's offset.
func threeEntries(t *testing.T, cfg Config) (dir, path string, ids []int64, lastOff int) {
	t.Helper()
	dir = t.TempDir()
	s := openStore(t, dir, cfg)
	m := newModel()
	ids = appendN(t, s, m, "torn/q", 3, cfg.Clock.Now().UnixMilli())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	paths := segmentPaths(t, dir)
	if len(paths) != 1 {
		t.Fatalf("%d segments, want 1", len(paths))
	}
	offs, _ := recordOffsets(t, paths[0])
	return dir, paths[0], ids, offs[2]
}

// checkTornRecovery opens a damaged copy and checks the last record was cut
// and the store works on.
func checkTornRecovery(t *testing.T, dir string, cfg Config, ids []int64, lastOff int, wantTorn int64) {
	t.Helper()
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := s.Stats().Recovery
	if rec.TornBytes != wantTorn || rec.Corrupt != 0 || rec.Messages != 2 {
		t.Fatalf("recovery %+v; want %d torn bytes, 2 messages, no corruption", rec, wantTorn)
	}
	for _, id := range ids[:2] {
		if _, _, err := s.Read("torn/q", id); err != nil {
			t.Fatalf("intact entry %d: %v", id, err)
		}
	}
	if _, _, err := s.Read("torn/q", ids[2]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("torn entry %d: %v, want ErrNotFound", ids[2], err)
	}
	got, err := s.Append(context.Background(), []Entry{{Queue: "torn/q", TimeMs: cfg.Clock.Now().UnixMilli(), Payload: []byte("again")}})
	if err != nil || got[0] != ids[2] {
		t.Fatalf("Append after cut = %v, %v; want id %d", got, err, ids[2])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if rec := s2.Stats().Recovery; rec.TornBytes != 0 || rec.Messages != 3 {
		t.Fatalf("second recovery %+v; want 3 messages, nothing torn", rec)
	}
	if e, _, err := s2.Read("torn/q", ids[2]); err != nil || string(e.Payload) != "again" {
		t.Fatalf("entry appended after the cut: %q, %v", e.Payload, err)
	}
}

func TestTornTailCutAtEveryOffset(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	src, path, ids, lastOff := threeEntries(t, cfg)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for cut := 1; cut < len(full)-lastOff; cut++ {
		dir := copyDir(t, src)
		p := filepath.Join(dir, filepath.Base(path))
		if err := os.Truncate(p, int64(lastOff+cut)); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("truncated+%d", cut), func(t *testing.T) {
			checkTornRecovery(t, dir, cfg, ids, lastOff, int64(cut))
		})
	}
}

func TestTornTailCorruptByteAtEveryOffset(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	src, path, ids, lastOff := threeEntries(t, cfg)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for at := lastOff; at < len(full); at++ {
		dir := copyDir(t, src)
		damaged := bytes.Clone(full)
		damaged[at] ^= 0xff
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("byte%d", at-lastOff), func(t *testing.T) {
			checkTornRecovery(t, dir, cfg, ids, lastOff, int64(len(full)-lastOff))
		})
	}
}
