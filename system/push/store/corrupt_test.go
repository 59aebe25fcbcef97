package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toplab/toplab/system/clock"
)

func TestUnknownFormatVersionRefused(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	dir, path, _, _ := threeEntries(t, cfg)
	data, _ := os.ReadFile(path)
	data[8] = 2 // version 2, with a valid checksum so it is not mere corruption
	sealHeader(data)
	os.WriteFile(path, data, 0o644)
	_, err := Open(dir, cfg)
	if !errors.Is(err, ErrFormatVersion) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("Open = %v, want ErrFormatVersion naming version 2", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Fatal("Open changed a segment it refused")
	}
}

// sealHeader recomputes a header's checksum after a test edited it.
func sealHeader(b []byte) {
	binary.LittleEndian.PutUint32(b[44:], crc32.Checksum(b[:44], castagnoli))
}

// corruptStore writes entries over several segments, closes, and returns
// the dir, the segment paths and the model.
func corruptStore(t *testing.T, cfg Config) (string, []string, *model) {
	t.Helper()
	dir := t.TempDir()
	s := openStore(t, dir, cfg)
	m := newModel()
	appendN(t, s, m, "c/q", 150, cfg.Clock.Now().UnixMilli())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	paths := segmentPaths(t, dir)
	if len(paths) < 3 {
		t.Fatalf("%d segments, want >= 3", len(paths))
	}
	return dir, paths, m
}

func TestMidSegmentCorruptionReported(t *testing.T) {
	var logs logBuffer
	cfg := testConfig(clock.NewFake(t0))
	cfg.Logger = testLogger(&logs)
	dir, paths, m := corruptStore(t, cfg)
	offs, data := recordOffsets(t, paths[0])
	k := len(offs) / 2
	data[offs[k]+frameSize+4] ^= 0x01 // one bit of the id, in the middle of the oldest segment
	os.WriteFile(paths[0], data, 0o644)

	s := openStore(t, dir, cfg)
	rec := s.Stats().Recovery
	if rec.Corrupt != 1 || rec.TornBytes != 0 {
		t.Fatalf("recovery %+v; want 1 corrupt segment, nothing torn", rec)
	}
	if !strings.Contains(logs.String(), "CORRUPT SEGMENT") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("corruption not logged loudly:\n%s", logs.String())
	}
	// Entries before the damage and in later segments survive; the rest of
	// the damaged segment is not replayed.
	pend := s.Pending("c/q", 0, 1000)
	if want := len(m.payloads) - (len(offs) - k); len(pend) != want {
		t.Fatalf("%d pending, want %d", len(pend), want)
	}
	if after, _ := os.ReadFile(paths[0]); !bytes.Equal(after, data) {
		t.Fatal("recovery modified a corrupt older segment")
	}
	for _, p := range pend {
		if e, _, err := s.Read("c/q", p.ID); err != nil || !bytes.Equal(e.Payload, m.payloads[p.ID]) {
			t.Fatalf("Read(%d) = %q, %v", p.ID, e.Payload, err)
		}
	}
	if _, err := s.Append(context.Background(), []Entry{{Queue: "c/q"}}); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptionInLastSegmentIsNotCut(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	dir, paths, m := corruptStore(t, cfg)
	last := paths[len(paths)-1]
	offs, data := recordOffsets(t, last)
	if len(offs) < 3 {
		t.Fatalf("last segment has %d records, want >= 3", len(offs))
	}
	data[offs[1]+frameSize+20] ^= 0x40 // damage a record followed by good ones
	os.WriteFile(last, data, 0o644)

	s := openStore(t, dir, cfg)
	rec := s.Stats().Recovery
	if rec.Corrupt != 1 || rec.TornBytes != 0 {
		t.Fatalf("recovery %+v; want 1 corrupt, 0 torn (good records follow the damage)", rec)
	}
	ids, err := s.Append(context.Background(), []Entry{{Queue: "c/q", TimeMs: cfg.Clock.Now().UnixMilli(), Payload: []byte("new")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(m.payloads)) + 1; ids[0] != want {
		t.Fatalf("id %d after recovery, want %d (the largest id seen + 1)", ids[0], want)
	}
	if after, _ := os.ReadFile(last); !bytes.Equal(after, data) {
		t.Fatal("the damaged segment was modified; new entries must go to a new segment")
	}
	if n := len(segmentPaths(t, dir)); n != len(paths)+1 {
		t.Fatalf("%d segments, want a new one after the damaged one", n)
	}
}

func TestInterruptedSegmentCreation(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	tests := []struct {
		name     string
		contents []byte
		torn     int64
	}{
		{"empty file", nil, 0},
		{"zeros", make([]byte, 4096), 0},
		{"part of a header", appendHeader(nil, segHeader{seq: 2, firstID: 4})[:20], 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, ids, _ := threeEntries(t, cfg)
			extra := filepath.Join(dir, segmentName(2, 4))
			os.WriteFile(extra, tc.contents, 0o644)
			s := openStore(t, dir, cfg)
			if rec := s.Stats().Recovery; rec.TornBytes != tc.torn || rec.Corrupt != 0 || rec.Messages != 3 {
				t.Fatalf("recovery %+v; want %d torn bytes, 3 messages", rec, tc.torn)
			}
			if _, _, err := s.Read("torn/q", ids[2]); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Append(context.Background(), []Entry{{Queue: "torn/q", TimeMs: cfg.Clock.Now().UnixMilli()}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCorruptHeaderOfOlderSegment(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	dir, paths, m := corruptStore(t, cfg)
	offs, _ := recordOffsets(t, paths[0])
	data, _ := os.ReadFile(paths[0])
	data[20] ^= 0xff // inside the sequence number: checksum fails
	os.WriteFile(paths[0], data, 0o644)
	s := openStore(t, dir, cfg)
	if rec := s.Stats().Recovery; rec.Corrupt != 1 {
		t.Fatalf("recovery %+v; want 1 corrupt", rec)
	}
	if _, err := os.Stat(paths[0] + ".corrupt"); err != nil {
		t.Fatalf("corrupt segment not set aside: %v", err)
	}
	if got, want := s.PendingCount("c/q"), len(m.payloads)-len(offs); got != want {
		t.Fatalf("%d pending, want %d", got, want)
	}
}
