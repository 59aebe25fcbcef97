package datasync

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// Writer is the seller database as the real-time path uses it.
type Writer interface {
	Write(ctx context.Context, docs []sellerdb.Doc) (sellerdb.WriteResult, error)
}

var _ Writer = (*sellerdb.DB)(nil)

// Deleter marks rows logically deleted (jdp_delete); a Writer that is one
// gets the orders the platform no longer has for their seller.
type Deleter interface {
	MarkDeleted(ctx context.Context, tids []int64) (int, error)
}

// pipeline turns batches of due orders into fetches and one write each, at
// most Concurrency batches at once, and reports every message's result
// after its order's write committed (or failed).
type pipeline struct {
	w   *Worker
	sem chan struct{}
	wg  sync.WaitGroup
}

func newPipeline(w *Worker, concurrency int) *pipeline {
	return &pipeline{w: w, sem: make(chan struct{}, concurrency)}
}

// submit runs batch on a free slot, waiting for one (the merger keeps
// merging meanwhile).
func (p *pipeline) submit(ctx context.Context, batch []*pendingOrder) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		for _, o := range batch {
			o.report(ctx.Err())
		}
		return
	}
	p.wg.Add(1)
	go func() {
		defer func() { <-p.sem; p.wg.Done() }()
		p.process(ctx, batch)
	}()
}

func (p *pipeline) wait() { p.wg.Wait() }

// process fetches the batch's orders and writes them in one transaction.
func (p *pipeline) process(ctx context.Context, batch []*pendingOrder) {
	w := p.w
	w.stats.batches.Add(1)
	reqs := make([]FetchRequest, 0, len(batch))
	asked := make([]*pendingOrder, 0, len(batch))
	for _, o := range batch {
		session, ok, err := w.cfg.Directory.Session(ctx, o.seller)
		switch {
		case err != nil:
			o.report(err)
			w.stats.fetchErrors.Add(1)
		case !ok:
			// Not a seller this cluster syncs: nothing to write, and the
			// message would only come back. Reconciliation covers a seller
			// from the moment it is authorised.
			w.stats.unknownSeller.Add(int64(len(o.msgs)))
			w.cfg.Logger.Warn("sync: message for a seller this cluster does not sync", "seller", o.seller, "tid", o.tid)
			o.report(nil)
		default:
			reqs = append(reqs, FetchRequest{Tid: o.tid, Session: session})
			asked = append(asked, o)
		}
	}
	if len(reqs) == 0 {
		return
	}
	results := w.cfg.Fetcher.Fetch(ctx, reqs)
	docs := make([]sellerdb.Doc, 0, len(results))
	owners := make([]*pendingOrder, 0, len(results))
	var gone []*pendingOrder
	for i, r := range results {
		o := asked[i]
		if r.Err != nil {
			if errors.Is(r.Err, ErrTradeGone) {
				gone = append(gone, o)
				continue
			}
			w.stats.fetchErrors.Add(1)
			o.report(r.Err)
			continue
		}
		doc, err := sellerdb.ParseDoc(r.Trade)
		if err == nil && (doc.Tid != o.tid || doc.SellerNick != o.seller) {
			err = fmt.Errorf("%w: asked for order %d of %s, got %d of %s", sellerdb.ErrMalformed, o.tid, o.seller, doc.Tid, doc.SellerNick)
		}
		if err != nil {
			// Left unconfirmed: the server resends it with backoff and
			// reconciliation retries the order, so a transient corruption
			// heals and a lasting one stays visible in the metrics.
			w.stats.malformed.Add(1)
			w.cfg.Logger.Error("sync: malformed order", "tid", o.tid, "err", err)
			o.report(err)
			continue
		}
		docs = append(docs, doc)
		owners = append(owners, o)
	}
	p.markGone(ctx, gone)
	if len(docs) == 0 {
		return
	}
	res, err := w.cfg.Writer.Write(ctx, docs)
	if err != nil {
		w.stats.writeErrors.Add(1)
		w.cfg.Logger.Warn("sync: write failed; messages stay unconfirmed", "orders", len(docs), "err", err)
		for _, o := range owners {
			o.report(err)
		}
		return
	}
	committed := w.cfg.Clock.Now()
	w.stats.orders.Add(int64(len(docs)))
	w.stats.written.Add(int64(res.Written))
	w.stats.skipped.Add(int64(res.Skipped))
	w.stats.stale.Add(int64(res.Stale))
	for _, o := range owners {
		o.report(nil)
		for _, h := range o.msgs {
			w.fresh.observe(o.tid, h, committed)
		}
	}
}

// markGone handles orders the platform no longer has for their seller: a
// row already synced is marked deleted (jdp_delete, removed later by the
// off-peak cleanup), and the messages are confirmed once that committed.
func (p *pipeline) markGone(ctx context.Context, gone []*pendingOrder) {
	if len(gone) == 0 {
		return
	}
	w := p.w
	w.stats.gone.Add(int64(len(gone)))
	var err error
	if d, ok := w.cfg.Writer.(Deleter); ok {
		tids := make([]int64, len(gone))
		for i, o := range gone {
			tids[i] = o.tid
		}
		_, err = d.MarkDeleted(ctx, tids)
	}
	for _, o := range gone {
		o.report(err)
	}
}

// freshness is a change's sync freshness: from the change at the trade
// centre to the commit of the row that holds it.
func freshness(changed, committed time.Time) time.Duration {
	if changed.IsZero() || committed.Before(changed) {
		return 0
	}
	return committed.Sub(changed)
}
