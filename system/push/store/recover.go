package store

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Recovery is what Open found in the directory.
type Recovery struct {
	Segments int   // segment files scanned
	Bytes    int64 // bytes scanned
	Records  int64 // good records replayed
	Messages int64 // of which messages
	// TornBytes counts the bytes cut from the tail of the last segment: up to
	// the end of the file when the damaged record runs past it, else up to
	// the last non-zero byte (zeros after that are preallocated free space).
	TornBytes int64
	// Corrupt counts segments where reading stopped at a damaged record or
	// header before their end; what followed the damage was not replayed.
	Corrupt  int
	Duration time.Duration
}

// recoverState is the scan's running state.
type recoverState struct {
	lastID   int64 // largest id replayed: a message must exceed it
	strayID  int64 // largest id seen behind damage: new ids must exceed it too
	maxFirst int64
	maxSeq   uint32
}

// recover rebuilds the index from the segments in order, cuts a torn tail
// off the last one, and prepares the writer to continue after them.
func (s *Store) recover() error {
	start := s.clk.Now()
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("push store: %w", err)
	}
	names, err := s.segmentFiles()
	if err != nil {
		return err
	}
	st := recoverState{}
	var (
		segs     []*segment
		activeOK bool // the last file is clean (or torn and cut): keep appending to it
		activeAt int64
	)
	fail := func(err error) error {
		for _, seg := range segs {
			seg.close(false)
		}
		return err
	}
	for i, name := range names {
		last := i == len(names)-1
		seg, end, ok, err := s.recoverSegment(filepath.Join(s.dir, name.file), name.seq, last, &st)
		if err != nil {
			return fail(err)
		}
		st.maxSeq = max(st.maxSeq, name.seq)
		if seg == nil {
			continue
		}
		segs = append(segs, seg)
		if last {
			activeOK, activeAt = ok, end
		}
	}
	s.recovered.Duration = s.clk.Since(start)

	w := &writer{s: s, nextID: max(s.cfg.IDBase, st.lastID, st.strayID, st.maxFirst-1) + 1, nextSeq: st.maxSeq + 1}
	if w.nextID <= 0 {
		return fail(fmt.Errorf("push store: id space exhausted (last id %d)", st.lastID))
	}
	s.w = w
	for _, seg := range segs {
		seg.sealed.Store(true)
		s.bytes.Add(seg.size.Load())
	}
	if activeOK {
		seg := segs[len(segs)-1]
		seg.capacity = max(s.cfg.SegmentBytes, activeAt)
		if err := seg.f.Truncate(seg.capacity); err != nil {
			return fail(fmt.Errorf("push store: extend %s: %w", seg.path, err))
		}
		seg.sealed.Store(false)
		w.active, w.off = seg, activeAt
	}
	s.segs = segs
	if w.active == nil {
		h := segHeader{seq: uint64(w.nextSeq), firstID: w.nextID, createdMs: s.clk.Now().UnixMilli()}
		seg, err := createSegment(s.dir, h, s.cfg.SegmentBytes)
		if err != nil {
			return fail(fmt.Errorf("push store: %w", err))
		}
		if s.cfg.Sync == SyncFsync {
			if err := syncDir(s.dir); err != nil {
				return fail(fmt.Errorf("push store: sync %s: %w", s.dir, err))
			}
		}
		w.nextSeq++
		w.active, w.off = seg, headerSize
		s.bytes.Add(headerSize)
		s.segs = append(s.segs, seg)
	}
	for i := max(0, len(s.segs)-s.cfg.WarmSegments); i < len(s.segs); i++ {
		seg := s.segs[i]
		length := seg.size.Load()
		if seg == w.active {
			length = seg.capacity
		}
		if err := seg.mapFile(length); err != nil {
			return fail(fmt.Errorf("push store: %w", err))
		}
	}
	r := s.recovered
	s.log.Info("push store: recovered", "dir", s.dir, "segments", r.Segments, "bytes", r.Bytes,
		"records", r.Records, "unconfirmed", s.idx.live, "torn_bytes", r.TornBytes, "corrupt", r.Corrupt,
		"next_id", w.nextID, "took", r.Duration)
	return nil
}

type segFile struct {
	seq  uint32
	file string
}

func (s *Store) segmentFiles() ([]segFile, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("push store: %w", err)
	}
	var out []segFile
	for _, e := range ents {
		if !e.Type().IsRegular() || filepath.Ext(e.Name()) != segSuffix {
			continue
		}
		seq, ok := parseSegmentName(e.Name())
		if !ok {
			s.log.Warn("push store: ignoring a file with a segment suffix but no segment name", "file", e.Name())
			continue
		}
		out = append(out, segFile{seq, e.Name()})
	}
	slices.SortFunc(out, func(a, b segFile) int { return cmp.Compare(a.seq, b.seq) })
	return out, nil
}

// recoverSegment scans one file. It returns the segment (nil when the file
// was dropped), the end of its good records, and whether appending may
// continue there (last file, clean or with its torn tail cut).
func (s *Store) recoverSegment(path string, seq uint32, last bool, st *recoverState) (*segment, int64, bool, error) {
	flag := os.O_RDONLY
	if last {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, 0, false, fmt.Errorf("push store: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, false, fmt.Errorf("push store: %w", err)
	}
	size := min(fi.Size(), math.MaxUint32) // offsets are 32-bit; a longer file is not ours
	s.recovered.Segments++
	s.recovered.Bytes += size
	var data []byte
	if size > 0 {
		if data, err = unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			f.Close()
			return nil, 0, false, fmt.Errorf("push store: mmap %s: %w", path, err)
		}
		defer unix.Munmap(data)
	}
	h, err := decodeHeader(data)
	if err == nil && h.seq != uint64(seq) {
		err = fmt.Errorf("%w: sequence %d in a file named for %d", errBadHeader, h.seq, seq)
	}
	if err != nil {
		f.Close()
		return nil, 0, false, s.badHeader(path, data, last, err)
	}
	seg := &segment{seq: seq, firstID: h.firstID, createdMs: h.createdMs, path: path, f: f}
	seg.maxTimeMs.Store(noTime)
	st.maxFirst = max(st.maxFirst, h.firstID)
	res := scanRecords(data, headerSize, func(off int, r *record) { s.replay(seg, off, r, st) })
	s.recovered.Records += int64(res.records)
	end := int64(res.end)
	switch {
	case res.stop == stopClean:
		seg.size.Store(end)
		return seg, end, last, nil
	case last && res.stop == stopTorn:
		cut := int64(res.dataEnd - res.end)
		s.recovered.TornBytes += cut
		s.log.Warn("push store: cut a torn tail", "segment", path, "offset", end, "bytes", cut, "reason", res.err)
		if err := f.Truncate(end); err != nil {
			f.Close()
			return nil, 0, false, fmt.Errorf("push store: cut torn tail of %s: %w", path, err)
		}
		seg.size.Store(end)
		return seg, end, true, nil
	default:
		// Damage with good data after it, or any damage in an older segment:
		// stop there, keep the file as it is for inspection, never append to it.
		s.recovered.Corrupt++
		st.strayID = max(st.strayID, maxIDAfter(data, res.end))
		s.log.Error("push store: CORRUPT SEGMENT: stopped reading at a damaged record; the rest of the segment is not replayed",
			"segment", path, "offset", end, "unread_bytes", res.dataEnd-res.end, "reason", res.err, "records_before", res.records)
		seg.size.Store(size)
		return seg, end, false, nil
	}
}

// badHeader handles a segment whose header cannot be used: an unknown
// version stops Open; a last segment that is all zeros after its (missing)
// header was being created at a crash and is removed; anything else is
// corruption: reported, renamed aside, skipped.
func (s *Store) badHeader(path string, data []byte, last bool, err error) error {
	if errors.Is(err, ErrFormatVersion) {
		return fmt.Errorf("push store: %s: %w", path, err)
	}
	if last && lastNonZero(data[min(len(data), headerSize):]) == 0 {
		torn := int64(len(data))
		if len(data) >= headerSize {
			torn = int64(lastNonZero(data)) // zeros are preallocated space
		}
		s.recovered.TornBytes += torn
		s.log.Warn("push store: removing a segment whose creation was interrupted", "segment", path, "bytes", torn, "reason", err)
		if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("push store: remove %s: %w", path, rerr)
		}
		return nil
	}
	s.recovered.Corrupt++
	aside := path + ".corrupt"
	s.log.Error("push store: CORRUPT SEGMENT HEADER: segment skipped and renamed", "segment", path, "renamed", aside, "reason", err)
	if rerr := os.Rename(path, aside); rerr != nil {
		return fmt.Errorf("push store: rename corrupt %s: %w", path, rerr)
	}
	return nil
}

// replay applies one recovered record to the index.
func (s *Store) replay(seg *segment, off int, r *record, st *recoverState) {
	switch r.kind {
	case kindMessage:
		if r.id <= st.lastID || r.id == math.MaxInt64 {
			s.log.Warn("push store: skipping a message whose id does not increase", "segment", seg.path, "offset", off, "id", r.id, "last_id", st.lastID)
			return
		}
		size := frameSize + messageFixed + len(r.queue) + len(r.payload)
		if _, ok := s.idx.add(r.queue, entry{id: r.id, timeMs: r.timeMs, seg: seg.seq, off: uint32(off), size: uint32(size)}); ok {
			st.lastID = r.id
			seg.noteTime(r.timeMs)
			s.recovered.Messages++
		}
	case kindConfirm:
		for i := range r.confirmIDs() {
			s.idx.confirm(r.queue, r.confirmID(i))
		}
	}
}
