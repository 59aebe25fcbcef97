package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"syscall"
)

// flushBytes bounds the write buffer: a larger batch is written in pieces
// (still one fdatasync at the end).
const flushBytes = 4 << 20

// writer is the single committer goroutine's state. It alone appends to the
// active segment, assigns ids and rolls segments.
type writer struct {
	s        *Store
	active   *segment
	off      int64 // end of the records in active
	nextID   int64
	nextSeq  uint32
	unsynced bool // active holds bytes not yet fdatasync'ed

	wbuf    []byte
	pending []*request // encoded into wbuf, not yet written
	written []*request // written, to be synced and applied
	rolled  []*segment // rolled away from during this batch
	failed  error      // sticky: an I/O error after which durability is unknown
}

func (w *writer) run() {
	defer close(w.s.writerDone)
	var batch []*request
	for {
		batch = w.s.reqs.take(batch)
		if batch == nil {
			return
		}
		w.commit(batch)
		clear(batch)
		// Let the callers just woken submit their next requests before
		// taking again, so the next batch is not half of them (a yield, not a
		// timer: with nothing waiting the committer still sleeps at once).
		runtime.Gosched()
	}
}

// commit writes every request of batch it can, fdatasyncs once, applies the
// written ones to the index and the hot tier, then wakes all callers. No
// caller holds a lock meanwhile; the index lock is only taken to apply.
func (w *writer) commit(batch []*request) {
	s := w.s
	var failErr error
	free, checkFree := int64(math.MaxInt64), s.cfg.MinFreeBytes > 0
	if checkFree {
		var err error
		if free, err = freeBytes(s.dir); err != nil {
			s.log.Warn("push store: free space check failed", "err", err)
			checkFree = false
		}
	}
	base, accepted := s.bytes.Load(), int64(0) // segment bytes before the batch, bytes it adds
	for _, r := range batch {
		if failErr == nil && w.failed != nil {
			failErr = w.failed
		}
		if failErr != nil {
			r.err = failErr
			continue
		}
		if r.kind == reqRoll {
			if w.off > headerSize {
				if err := w.flush(); err != nil {
					failErr, r.err = err, err
				} else if err := w.roll(headerSize); err != nil {
					failErr, r.err = err, err
				}
			}
			continue
		}
		need := int64(len(r.buf))
		mustRoll := w.off+int64(len(w.wbuf))+need > w.active.capacity
		if r.kind == reqAppend {
			grow := accepted + need
			if mustRoll {
				grow += headerSize
			}
			if checkFree && free-grow < s.cfg.MinFreeBytes {
				r.err = fmt.Errorf("%w: %d bytes requested, %d free, %d kept free", ErrFull, need, free-accepted, s.cfg.MinFreeBytes)
			} else if s.cfg.MaxBytes > 0 && base+grow > s.cfg.MaxBytes {
				r.err = fmt.Errorf("%w: %d bytes requested, %d of max %d in use", ErrFull, need, base+accepted, s.cfg.MaxBytes)
			}
			if r.err != nil {
				continue
			}
		}
		if mustRoll {
			err := w.flush()
			if err == nil {
				err = w.roll(headerSize + need)
			}
			if err != nil {
				failErr, r.err = err, err
				continue
			}
			accepted += headerSize
		}
		if r.kind == reqAppend {
			if err := w.assignIDs(r); err != nil {
				r.err = err
				continue
			}
		}
		accepted += need
		r.seg, r.off = w.active, w.off+int64(len(w.wbuf))
		w.wbuf = append(w.wbuf, r.buf...)
		w.pending = append(w.pending, r)
		if len(w.wbuf) >= flushBytes {
			if err := w.flush(); err != nil {
				failErr = err
			}
		}
	}
	if err := w.flush(); err != nil && failErr == nil {
		failErr = err
	}
	if s.cfg.Sync == SyncFsync && needsSync(w.written) {
		if err := w.sync(); err != nil {
			w.failAll(w.written, err)
			w.written = w.written[:0]
		}
	}
	w.apply(w.written)
	for _, seg := range w.rolled {
		seg.sealed.Store(true)
	}
	w.rolled = w.rolled[:0]
	w.written = w.written[:0]
	for _, r := range batch {
		if errors.Is(r.err, ErrFull) {
			s.st.fullRejects.Add(1)
		}
		close(r.done)
	}
}

// needsSync reports whether written holds an append: only appends are
// acknowledged as durable (confirms ride along with the next sync).
func needsSync(written []*request) bool {
	for _, r := range written {
		if r.kind == reqAppend {
			return true
		}
	}
	return false
}

// assignIDs sets consecutive ids in r's message records and seals them.
func (w *writer) assignIDs(r *request) error {
	n := 0
	for off := 0; off < len(r.buf); off += frameSize + int(binary.LittleEndian.Uint32(r.buf[off:])) {
		n++
	}
	if w.nextID > math.MaxInt64-int64(n) {
		return fmt.Errorf("push store: id space exhausted at %d", w.nextID)
	}
	r.ids = make([]int64, 0, n)
	for off := 0; off < len(r.buf); {
		size := frameSize + int(binary.LittleEndian.Uint32(r.buf[off:]))
		sealMessage(r.buf[off:off+size], w.nextID)
		r.ids = append(r.ids, w.nextID)
		w.nextID++
		off += size
	}
	return nil
}

// unassign gives r's ids back; valid because a failed write fails every
// request after it too, so no later id is in use.
func (w *writer) unassign(r *request) {
	if r.kind == reqAppend && len(r.ids) > 0 {
		w.nextID = min(w.nextID, r.ids[0])
		r.ids = nil
	}
}

// flush writes the buffered records. On failure the segment is cut back to
// where they started, so nothing half-written stays behind, and every pending
// request fails (their ids are given back).
func (w *writer) flush() error {
	if len(w.wbuf) == 0 {
		return nil
	}
	n, err := w.active.f.WriteAt(w.wbuf, w.off)
	if err == nil {
		w.off += int64(n)
		w.active.size.Store(w.off)
		w.s.bytes.Add(int64(n))
		w.s.st.commitBytes.Add(int64(n))
		w.unsynced = true
		w.written = append(w.written, w.pending...)
		w.pending = w.pending[:0]
		w.wbuf = w.wbuf[:0]
		return nil
	}
	err = w.classify(fmt.Errorf("at offset %d: %w", w.off, err))
	if terr := w.cutBack(); terr != nil {
		w.failed = fmt.Errorf("push store: cannot cut back a failed write: %w", terr)
		w.s.log.Error("push store: segment left with a partial write", "segment", w.active.path, "err", terr)
	}
	for i := len(w.pending) - 1; i >= 0; i-- {
		w.unassign(w.pending[i])
	}
	w.failAll(w.pending, err)
	w.pending = w.pending[:0]
	w.wbuf = w.wbuf[:0]
	return err
}

// cutBack drops whatever a failed write left after w.off (freeing its blocks)
// and re-extends the file so the mapping stays backed.
func (w *writer) cutBack() error {
	if err := w.active.f.Truncate(w.off); err != nil {
		return err
	}
	return w.active.f.Truncate(w.active.capacity)
}

// classify maps ENOSPC/EDQUOT to ErrFull; any other I/O error makes the
// store fail-stop, since it can no longer say what is on disk.
func (w *writer) classify(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrFull, err)
	}
	w.failed = err
	w.s.log.Error("push store: write failed; refusing further writes", "err", err)
	return err
}

func (w *writer) sync() error {
	if w.failed != nil {
		return w.failed // never let a later fsync "succeed" over lost pages
	}
	if !w.unsynced {
		return nil
	}
	w.s.st.fsyncs.Add(1)
	if err := fdatasync(w.active.f); err != nil {
		// After a failed fsync the kernel may have dropped the dirty pages:
		// nothing since the last good sync can be promised, so stop.
		w.failed = fmt.Errorf("push store: fdatasync %s: %w", w.active.path, err)
		w.s.log.Error("push store: fdatasync failed; refusing further writes", "err", err)
		return w.failed
	}
	w.unsynced = false
	return nil
}

func (w *writer) failAll(reqs []*request, err error) {
	for _, r := range reqs {
		r.err = err
		r.ids = nil
	}
}

// roll seals the active segment (synced first under SyncFsync, so requests
// written to it can be acknowledged) and starts a new one of at least minCap
// bytes. When the new file cannot be made the old one stays active.
func (w *writer) roll(minCap int64) error {
	s := w.s
	if s.cfg.Sync == SyncFsync {
		if err := w.sync(); err != nil {
			return err
		}
	}
	h := segHeader{seq: uint64(w.nextSeq), firstID: w.nextID, createdMs: s.clk.Now().UnixMilli()}
	seg, err := createSegment(s.dir, h, max(s.cfg.SegmentBytes, minCap))
	if err == nil {
		err = seg.mapFile(seg.capacity)
		if err != nil {
			seg.close(true)
		}
	}
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return fmt.Errorf("%w: %w", ErrFull, err)
		}
		return err
	}
	if s.cfg.Sync == SyncFsync {
		if err := syncDir(s.dir); err != nil {
			s.log.Warn("push store: directory sync failed", "dir", s.dir, "err", err)
		}
	}
	old := w.active
	if err := old.f.Truncate(w.off); err != nil {
		s.log.Warn("push store: cannot trim sealed segment", "segment", old.path, "err", err)
	}
	old.capacity = w.off
	w.nextSeq++
	w.active, w.off, w.unsynced = seg, headerSize, true
	s.bytes.Add(headerSize)
	w.rolled = append(w.rolled, old)
	s.addSegment(seg)
	return nil
}

// apply makes written requests visible: messages enter the index and the hot
// tier, confirms tombstone their ids (counted only when newly confirmed).
func (w *writer) apply(reqs []*request) {
	if len(reqs) == 0 {
		return
	}
	s := w.s
	now := s.clk.Now().UnixNano()
	hot := s.cfg.HotWindow > 0
	appended := 0
	s.idx.mu.Lock()
	if hot {
		s.hot.mu.Lock()
	}
	for _, r := range reqs {
		for off := 0; off < len(r.buf); {
			size := frameSize + int(binary.LittleEndian.Uint32(r.buf[off:]))
			rec, _ := decodeBody(r.buf[off+frameSize : off+size])
			switch rec.kind {
			case kindMessage:
				e := entry{id: rec.id, timeMs: rec.timeMs, seg: r.seg.seq, off: uint32(r.off) + uint32(off), size: uint32(size)}
				q, ok := s.idx.add(rec.queue, e)
				if !ok {
					s.log.Error("push store: id out of order", "id", rec.id)
					break
				}
				r.seg.noteTime(rec.timeMs)
				appended++
				if hot {
					s.hot.push(hotEntry{id: rec.id, timeMs: rec.timeMs, at: now, queue: q.name, payload: rec.payload})
				}
			case kindConfirm:
				for i := range rec.confirmIDs() {
					if s.idx.confirm(rec.queue, rec.confirmID(i)) {
						r.confirmed++
					}
				}
			}
			off += size
		}
		s.st.confirmed.Add(int64(r.confirmed))
	}
	if hot {
		s.hot.evict(now-int64(s.cfg.HotWindow), s.cfg.HotMaxBytes)
		s.hot.mu.Unlock()
	}
	s.idx.mu.Unlock()
	s.st.appended.Add(int64(appended))
	s.st.commits.Add(1)
	s.st.commitRequests.Add(int64(len(reqs)))
}
