package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/toplab/toplab/system/clock"
)

// seedSegment is a real segment: messages of two queues and a confirm.
func seedSegment(f *testing.F) []byte {
	dir := f.TempDir()
	s, err := Open(dir, testConfig(clock.NewFake(t0)))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	ids, err := s.Append(ctx, []Entry{{Queue: "a/a", TimeMs: t0.UnixMilli(), Payload: []byte("one")}, {Queue: "b/b", TimeMs: t0.UnixMilli(), Payload: []byte("two")}, {Queue: "a/a", TimeMs: t0.UnixMilli()}})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Confirm(ctx, "a/a", ids[:1]); err != nil {
		f.Fatal(err)
	}
	s.Close()
	paths, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	b, err := os.ReadFile(paths[0])
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzScanRecords(f *testing.F) {
	seg := seedSegment(f)
	f.Add(seg[headerSize:])
	f.Add(seg[headerSize : len(seg)-3])
	f.Add(append(bytes.Clone(seg[headerSize:]), 0, 0, 0, 0, 9))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		prev := -1
		res := scanRecords(data, 0, func(off int, r *record) {
			if off <= prev || off >= len(data) {
				t.Fatalf("record offset %d after %d in %d bytes", off, prev, len(data))
			}
			prev = off
			if len(r.queue) == 0 {
				t.Fatal("record without a queue")
			}
		})
		if res.end > len(data) || res.dataEnd < res.end || res.dataEnd > len(data) {
			t.Fatalf("scan result out of range: %+v for %d bytes", res, len(data))
		}
		if res.stop == stopClean && !allZero(data[res.end:]) {
			t.Fatalf("clean stop at %d with data after it", res.end)
		}
		maxIDAfter(data, res.end)
		decodeHeader(data)
	})
}

// FuzzOpenSegment opens a directory whose only segment is arbitrary bytes
// (after a valid header, or raw) and checks the recovered store is
// consistent and stays so across a reopen.
func FuzzOpenSegment(f *testing.F) {
	seg := seedSegment(f)
	f.Add(seg[headerSize:], true)
	f.Add(seg[headerSize:len(seg)-5], true)
	f.Add(seg, false)
	f.Add(seg[:30], false)
	f.Fuzz(func(t *testing.T, body []byte, withHeader bool) {
		dir := t.TempDir()
		data := body
		if withHeader {
			data = append(appendHeader(nil, segHeader{seq: 1, firstID: 1, createdMs: t0.UnixMilli()}), body...)
		}
		if err := os.WriteFile(filepath.Join(dir, segmentName(1, 1)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(clock.NewFake(t0))
		cfg.Retention = 1 << 62 // arbitrary times must not expire what we check
		cfg.Sync = SyncNone
		cfg.Logger = testLogger(io.Discard)
		s, err := Open(dir, cfg)
		if errors.Is(err, ErrFormatVersion) {
			return
		}
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		before := snapshot(t, s)
		ids, err := s.Append(context.Background(), []Entry{{Queue: "z/z", TimeMs: t0.UnixMilli(), Payload: []byte("new")}})
		if err != nil {
			t.Fatalf("Append after recovery: %v", err)
		}
		for q, ps := range before {
			for _, p := range ps {
				if p.ID >= ids[0] {
					t.Fatalf("new id %d not above recovered id %d of %s", ids[0], p.ID, q)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(dir, cfg)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s2.Close()
		after := snapshot(t, s2)
		if z := after["z/z"]; len(z) == 0 || z[len(z)-1].ID != ids[0] {
			t.Fatalf("appended entry %d lost across reopen: %v", ids[0], z)
		}
		delete(after, "z/z")
		delete(before, "z/z")
		for q, ps := range before {
			if !slices.Equal(ps, after[q]) {
				t.Fatalf("queue %q changed across reopen: %v -> %v", q, ps, after[q])
			}
		}
	})
}

// snapshot lists every queue's pending entries and checks each is readable.
func snapshot(t *testing.T, s *Store) map[string][]Pending {
	t.Helper()
	out := map[string][]Pending{}
	total := 0
	for _, q := range s.Queues() {
		ps := s.Pending(q, -1<<63, 1<<30)
		if len(ps) == 0 || len(ps) != s.PendingCount(q) {
			t.Fatalf("queue %q: %d pending listed, count %d", q, len(ps), s.PendingCount(q))
		}
		for _, p := range ps {
			if e, _, err := s.Read(q, p.ID); err != nil || e.ID != p.ID || e.TimeMs != p.TimeMs {
				t.Fatalf("pending %d of %q unreadable: %+v, %v", p.ID, q, e, err)
			}
		}
		out[q] = ps
		total += len(ps)
	}
	if st := s.Stats(); st.Unconfirmed != total {
		t.Fatalf("Stats.Unconfirmed %d, queues hold %d", st.Unconfirmed, total)
	}
	return out
}
