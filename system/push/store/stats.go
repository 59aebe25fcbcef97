package store

import "sync/atomic"

// Stats is a snapshot of the store's counters (since Open) and gauges.
type Stats struct {
	Appended    int64 // entries appended
	Confirmed   int64 // entries newly confirmed
	Unconfirmed int   // entries in the index now
	Queues      int   // queues with unconfirmed entries

	Bytes           int64 // bytes of records and headers in the segment files
	Segments        int
	SegmentsDeleted int64
	// ExpiredUnconfirmed counts unconfirmed entries dropped with a segment
	// deleted by retention.
	ExpiredUnconfirmed int64

	HotEntries int
	HotBytes   int64
	ReadsHot   int64
	ReadsWarm  int64
	ReadsCold  int64
	ReadMisses int64 // reads answered ErrNotFound

	Fsyncs int64
	// Commits is the number of group commits that wrote something and
	// CommitRequests the Append/Confirm calls they carried, so
	// CommitRequests/Commits is the mean batch size.
	Commits        int64
	CommitRequests int64
	CommitBytes    int64
	FullRejects    int64 // calls refused with ErrFull

	Recovery Recovery
}

type counters struct {
	appended, confirmed                 atomic.Int64
	segmentsDeleted, expiredUnconfirmed atomic.Int64
	reads                               [3]atomic.Int64 // by Tier
	readMisses                          atomic.Int64
	fsyncs                              atomic.Int64
	commits, commitRequests             atomic.Int64
	commitBytes                         atomic.Int64
	fullRejects                         atomic.Int64
}

// Stats returns the current counters.
func (s *Store) Stats() Stats {
	st := Stats{
		Appended:           s.st.appended.Load(),
		Confirmed:          s.st.confirmed.Load(),
		Bytes:              s.bytes.Load(),
		SegmentsDeleted:    s.st.segmentsDeleted.Load(),
		ExpiredUnconfirmed: s.st.expiredUnconfirmed.Load(),
		ReadsHot:           s.st.reads[TierHot].Load(),
		ReadsWarm:          s.st.reads[TierWarm].Load(),
		ReadsCold:          s.st.reads[TierCold].Load(),
		ReadMisses:         s.st.readMisses.Load(),
		Fsyncs:             s.st.fsyncs.Load(),
		Commits:            s.st.commits.Load(),
		CommitRequests:     s.st.commitRequests.Load(),
		CommitBytes:        s.st.commitBytes.Load(),
		FullRejects:        s.st.fullRejects.Load(),
		Recovery:           s.recovered,
	}
	s.idx.mu.RLock()
	st.Unconfirmed, st.Queues = s.idx.live, len(s.idx.queues)
	s.idx.mu.RUnlock()
	s.segMu.RLock()
	st.Segments = len(s.segs)
	s.segMu.RUnlock()
	st.HotEntries, st.HotBytes = s.hot.size()
	return st
}
