package store

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

const segSuffix = ".seg"

// segmentName puts the sequence number first, zero-padded, so a directory
// listing is in log order; the first id follows for the operator's benefit.
func segmentName(seq uint32, firstID int64) string {
	return fmt.Sprintf("%010d-%020d%s", seq, firstID, segSuffix)
}

func parseSegmentName(name string) (uint32, bool) {
	base, ok := strings.CutSuffix(name, segSuffix)
	if !ok {
		return 0, false
	}
	seqPart, _, ok := strings.Cut(base, "-")
	if !ok || len(seqPart) != 10 {
		return 0, false
	}
	seq, err := strconv.ParseUint(seqPart, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(seq), true
}

// segment is one file of the log. The writer owns capacity and the file's
// contents past size; mu guards the file handle and the mapping against
// readers while the segment is demoted to cold or deleted.
type segment struct {
	seq       uint32
	firstID   int64
	createdMs int64
	path      string
	capacity  int64 // preallocated length; writer-owned

	size      atomic.Int64 // bytes on disk that hold records (the header included)
	maxTimeMs atomic.Int64 // newest message TimeMs; noTime while it has none
	sealed    atomic.Bool  // no longer written to and every write to it applied

	mu   sync.RWMutex
	f    *os.File
	mmap []byte
	gone bool
}

// createSegment makes a new segment file: header written, file extended
// (sparsely) to capacity so it can be mapped whole.
func createSegment(dir string, h segHeader, capacity int64) (*segment, error) {
	s := &segment{seq: uint32(h.seq), firstID: h.firstID, createdMs: h.createdMs, capacity: capacity}
	s.path = filepath.Join(dir, segmentName(s.seq, h.firstID))
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	if _, err = f.WriteAt(appendHeader(nil, h), 0); err == nil {
		err = f.Truncate(capacity)
	}
	if err != nil {
		f.Close()
		os.Remove(s.path)
		return nil, fmt.Errorf("create segment %s: %w", s.path, err)
	}
	s.f = f
	s.size.Store(headerSize)
	s.maxTimeMs.Store(noTime)
	return s, nil
}

// noTime marks a segment without messages; its age is then its creation time.
const noTime = math.MinInt64

// newestMs is the time retention judges the segment by.
func (s *segment) newestMs() int64 {
	if t := s.maxTimeMs.Load(); t != noTime {
		return t
	}
	return s.createdMs
}

// noteTime raises the segment's newest message time (single writer).
func (s *segment) noteTime(ms int64) {
	if ms > s.maxTimeMs.Load() {
		s.maxTimeMs.Store(ms)
	}
}

// mapFile maps the first length bytes of the file read-only (mu held or the
// segment not yet shared).
func (s *segment) mapFile(length int64) error {
	if s.mmap != nil || length <= 0 {
		return nil
	}
	m, err := unix.Mmap(int(s.f.Fd()), 0, int(length), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap %s: %w", s.path, err)
	}
	s.mmap = m
	return nil
}

func (s *segment) unmapLocked() error {
	if s.mmap == nil {
		return nil
	}
	err := unix.Munmap(s.mmap)
	s.mmap = nil
	return err
}

// demote drops the mapping: the segment is served cold from now on.
func (s *segment) demote() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unmapLocked()
}

// read returns a copy of the message at off, from the mapping when there is
// one (warm) or by pread (cold).
func (s *segment) read(off, size uint32) (record, Tier, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.gone {
		return record{}, 0, ErrNotFound
	}
	end := int64(off) + int64(size)
	if s.mmap != nil && end <= int64(len(s.mmap)) {
		r, err := decodeMessage(s.mmap[off:end])
		if err == nil {
			r.payload = append([]byte(nil), r.payload...)
		}
		return r, TierWarm, err
	}
	buf := make([]byte, size)
	if _, err := s.f.ReadAt(buf, int64(off)); err != nil {
		return record{}, TierCold, fmt.Errorf("read %s at %d: %w", s.path, off, err)
	}
	r, err := decodeMessage(buf)
	return r, TierCold, err
}

func decodeMessage(b []byte) (record, error) {
	r, _, err := decodeRecord(b)
	if err == nil && r.kind != kindMessage {
		err = errMalformed
	}
	if err != nil {
		return record{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return r, nil
}

// close unmaps and closes the segment; with remove it also deletes the file.
// Readers that still hold its location then get ErrNotFound.
func (s *segment) close(remove bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return nil
	}
	s.gone = true
	err := errors.Join(s.unmapLocked(), s.f.Close())
	if remove {
		err = errors.Join(err, os.Remove(s.path))
	}
	return err
}

// syncDir makes a created or removed file name durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// freeBytes is the space available to unprivileged writers on dir's file system.
func freeBytes(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
