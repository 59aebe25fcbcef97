package store

import (
	"context"
	"errors"
)

func (s *Store) maintainLoop(ctx context.Context) {
	defer close(s.maintainDone)
	t := s.clk.NewTicker(s.cfg.MaintainEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			s.maintain(ctx)
		}
	}
}

// maintain evicts aged hot entries and deletes the segments retention or
// early reclaim allow. An active segment past retention is rolled first so
// it can go too.
func (s *Store) maintain(ctx context.Context) {
	s.maintainMu.Lock()
	defer s.maintainMu.Unlock()
	if s.cfg.HotWindow > 0 {
		s.hot.mu.Lock()
		s.hot.evict(s.clk.Now().UnixNano()-int64(s.cfg.HotWindow), s.cfg.HotMaxBytes)
		s.hot.mu.Unlock()
	}
	s.reclaim()
	s.segMu.RLock()
	active := s.segs[len(s.segs)-1]
	s.segMu.RUnlock()
	if active.size.Load() > headerSize && active.newestMs() < s.retentionCutoff() {
		if err := s.submit(ctx, &request{kind: reqRoll}); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrClosed) {
			s.log.Warn("push store: cannot roll an expired active segment", "err", err)
			return
		}
		s.reclaim()
	}
}

func (s *Store) retentionCutoff() int64 {
	return s.clk.Now().UnixMilli() - s.cfg.Retention.Milliseconds()
}

// reclaim (maintainMu held, or before the loop starts) deletes segments from the oldest on while the oldest is past
// retention or holds no unconfirmed entry. Never out of order: confirm
// records in newer segments refer to messages in older ones, so deleting a
// newer segment first would bring confirmed messages back at recovery.
func (s *Store) reclaim() {
	for {
		cutoff := s.retentionCutoff()
		s.segMu.RLock()
		if len(s.segs) < 2 {
			s.segMu.RUnlock()
			return
		}
		old, next := s.segs[0], s.segs[1]
		s.segMu.RUnlock()
		if !old.sealed.Load() {
			return // the committer has not finished applying what it wrote there
		}
		expired := old.newestMs() < cutoff
		if !expired && s.idx.segmentLive(old.seq) > 0 {
			return
		}
		s.idx.mu.Lock()
		dropped := s.idx.dropThrough(old.seq)
		s.idx.mu.Unlock()
		s.hot.mu.Lock()
		s.hot.dropBefore(next.firstID)
		s.hot.mu.Unlock()
		s.segMu.Lock()
		s.segs = s.segs[1:]
		s.segMu.Unlock()
		s.bytes.Add(-old.size.Load())
		s.st.segmentsDeleted.Add(1)
		s.st.expiredUnconfirmed.Add(int64(dropped))
		err := old.close(true)
		if err == nil && s.cfg.Sync == SyncFsync {
			err = syncDir(s.dir)
		}
		if err != nil {
			s.log.Warn("push store: deleting a segment", "segment", old.path, "err", err)
		}
		reason := "all confirmed"
		if expired {
			reason = "retention"
		}
		s.log.Info("push store: segment deleted", "segment", old.path, "reason", reason, "expired_unconfirmed", dropped)
	}
}
