package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// FeederConfig configures the change-log feeder: one push node at a time
// (the holder of a lease) reads the trade centre's change log from its
// durable cursor and publishes every order change as a trade message. The
// cursor moves only after the messages are stored, so each change is
// published at least once.
type FeederConfig struct {
	TradeURL string        // the trade centre's base URL; "" runs no feeder
	Batch    int           // changes per read, default 500
	Wait     time.Duration // long-poll wait of a read, default 5 s
	LeaseTTL time.Duration // default 10 s: another node takes over this long after the feeder dies
}

// CursorName is the feeder's cursor in the metadata store.
const CursorName = "push.trade-changes"

const feederLease = "push.feeder"

type feeder struct {
	n    *Node
	cfg  FeederConfig
	http *http.Client

	Published, Rejected, Errors atomic.Int64
	Cursor                      atomic.Int64
}

func newFeeder(n *Node, cfg FeederConfig) *feeder {
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 5 * time.Second
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 10 * time.Second
	}
	return &feeder{n: n, cfg: cfg, http: &http.Client{Timeout: cfg.Wait + 10*time.Second}}
}

// run feeds while this node holds the lease, until ctx ends.
func (f *feeder) run(ctx context.Context) {
	co, self, c := f.n.cfg.Coord, f.n.cfg.NodeID, f.n.clock
	defer co.Release(context.WithoutCancel(ctx), feederLease, self)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		leader, err := co.Acquire(ctx, feederLease, self, f.cfg.LeaseTTL)
		if err != nil || !leader {
			_ = clock.Wait(ctx, c, f.cfg.LeaseTTL/3)
			continue
		}
		// The cursor is read once per lease term: while this node holds
		// the lease nobody else moves it.
		cur, err := meta.Get[meta.Cursor](ctx, f.n.metaStore, CursorName)
		if err != nil && !errors.Is(err, meta.ErrNotFound) {
			f.Errors.Add(1)
			f.n.log.Warn("push: feeder: read cursor", "err", err)
			_ = clock.Wait(ctx, c, backoff)
			continue
		}
		seq := cur.Seq
		f.Cursor.Store(seq)
		renewAt := c.Now().Add(f.cfg.LeaseTTL / 3)
		for ctx.Err() == nil && c.Now().Before(renewAt) {
			if seq, err = f.step(ctx, seq); err != nil {
				f.Errors.Add(1)
				if ctx.Err() == nil {
					f.n.log.Warn("push: feeder", "err", err)
				}
				_ = clock.Wait(ctx, c, backoff)
				backoff = min(backoff*2, 5*time.Second)
				break
			}
			backoff = 100 * time.Millisecond
		}
	}
}

// step reads one batch after seq, publishes it and stores the cursor; it
// returns the new cursor.
func (f *feeder) step(ctx context.Context, seq int64) (int64, error) {
	wait := min(f.cfg.Wait, f.cfg.LeaseTTL/4)
	changes, next, err := f.read(ctx, seq, wait)
	if err != nil || len(changes) == 0 {
		return seq, err
	}
	msgs := make([]Message, 0, len(changes))
	for _, ch := range changes {
		content, err := json.Marshal(ch.Content)
		if err != nil {
			return seq, err
		}
		m := Message{Topic: ch.Topic, Content: content, Nick: ch.Content.SellerNick, DataID: ch.Content.Tid,
			Publisher: meta.TradeCentreApp, PubTimeMs: ch.TimeMs}
		if err := f.n.router.CheckPublish(ctx, &m); err != nil {
			var te *top.Error
			if errors.As(err, &te) && te.Code != top.CodeServiceUnavailable {
				f.Rejected.Add(1) // a change no subscriber can ever get: skip it rather than block the log
				f.n.log.Error("push: feeder skips a change the router rejects", "seq", ch.Seq, "topic", ch.Topic, "err", err)
				continue
			}
			return seq, err
		}
		msgs = append(msgs, m)
	}
	if _, err := f.n.publishChecked(ctx, msgs); err != nil {
		return seq, err
	}
	f.Published.Add(int64(len(msgs)))
	if _, err := meta.Put(ctx, f.n.metaStore, meta.Cursor{Name: CursorName, Seq: next}); err != nil {
		return seq, fmt.Errorf("write cursor: %w", err) // the batch is published again: at least once
	}
	f.Cursor.Store(next)
	return next, nil
}

func (f *feeder) read(ctx context.Context, after int64, wait time.Duration) ([]backend.Change, int64, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(f.cfg.Batch)}, "wait": {wait.String()}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.TradeURL+"/internal/changes?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, err
	}
	res, err := f.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("read change log: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("read change log: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("read change log: HTTP %d: %s", res.StatusCode, body)
	}
	var out struct {
		Changes []backend.Change `json:"changes"`
		Next    int64            `json:"next"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, 0, fmt.Errorf("read change log: %w", err)
	}
	if len(out.Changes) > 0 && out.Next < out.Changes[len(out.Changes)-1].Seq {
		return nil, 0, fmt.Errorf("read change log: next %d is before the last change", out.Next)
	}
	return out.Changes, out.Next, nil
}
