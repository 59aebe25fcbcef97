package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// errGrew: the window gained orders while it was paged, so a page may have
// been skipped. The trade centre never adds orders to a window that ended
// Lag ago; this guards against a platform (or a Lag) that does.
var errGrew = errors.New("reconcile: the listing grew while it was paged")

// listAttempts bounds re-reading a listing that grew.
const listAttempts = 3

// tooMany asks the caller to split a window holding more than MaxWindowOrders.
type tooMany struct{ total int }

func (e *tooMany) Error() string { return fmt.Sprintf("reconcile: %d orders in one window", e.total) }

// listing is the platform side of one window: the newest version seen of
// each order, keyed by tid.
type listing map[int64]entry

// entry is one platform order: its version and its bytes.
type entry struct {
	modified int64 // Unix seconds
	hash     string
	raw      []byte
}

// list reads the whole window, again when it grew while paged.
func (r *Reconciler) list(ctx context.Context, seller string, from, to time.Time) (listing, error) {
	for attempt := 1; ; attempt++ {
		l, err := r.listOnce(ctx, seller, from, to)
		if errors.Is(err, errGrew) && attempt < listAttempts {
			continue
		}
		if err != nil && !isTooMany(err) && ctx.Err() == nil { // shutting down is no platform failure
			r.stats.apiErrors.Add(1)
		}
		return l, err
	}
}

// listOnce reads page 1 for the total, then the other pages last to first,
// then page 1 again: an order that shifts to an earlier slot while pages
// are read can only move into a page still to be read (see the package
// comment), so every order present throughout is read at least once.
func (r *Reconciler) listOnce(ctx context.Context, seller string, from, to time.Time) (listing, error) {
	q := Query{Seller: seller, From: from, To: to, PageNo: 1, PageSize: r.cfg.PageSize}
	first, err := r.page(ctx, q)
	if err != nil {
		return nil, err
	}
	total := first.Total
	if total > r.cfg.MaxWindowOrders && to.Sub(from) > time.Second {
		return nil, &tooMany{total: total}
	}
	l := make(listing, min(total, r.cfg.MaxWindowOrders)) // a size hint only: the total is the platform's word
	r.add(l, seller, first)
	if total <= len(first.Trades) {
		return l, nil
	}
	pages := (total + q.PageSize - 1) / q.PageSize
	for q.PageNo = pages; q.PageNo >= 1; q.PageNo-- {
		p, err := r.page(ctx, q)
		if err != nil {
			return nil, err
		}
		if p.Total > total {
			return nil, fmt.Errorf("%w: %d orders, then %d", errGrew, total, p.Total)
		}
		r.add(l, seller, p)
	}
	return l, nil
}

// page reads and checks one page.
func (r *Reconciler) page(ctx context.Context, q Query) (Page, error) {
	r.stats.pages.Add(1)
	p, err := r.cfg.Platform.Increment(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("list page %d: %w", q.PageNo, err)
	}
	switch {
	case p.Total < 0:
		return Page{}, fmt.Errorf("list page %d: the platform did not report the total", q.PageNo)
	case len(p.Trades) > q.PageSize:
		return Page{}, fmt.Errorf("list page %d: %d orders on a page of %d", q.PageNo, len(p.Trades), q.PageSize)
	}
	return p, nil
}

// add reads a page's orders into l, keeping the newest version of each tid.
// An order that cannot be stored is counted and skipped: the worker cannot
// store it either, and holding the checkpoint for it would stop the seller.
func (r *Reconciler) add(l listing, seller string, p Page) {
	for _, raw := range p.Trades {
		raw = bytes.TrimSpace(raw)
		h, ok := readHead(raw)
		var err error
		if !ok {
			h, err = parseHead(raw)
		}
		if err == nil && string(h.seller) != seller {
			err = fmt.Errorf("order of seller %q in the listing of %q", h.seller, seller)
		}
		if err != nil {
			r.malformed(seller, err)
			continue
		}
		if old, ok := l[h.tid]; ok && old.modified >= h.modified {
			continue
		}
		l[h.tid] = entry{modified: h.modified, hash: sellerdb.Hash(raw), raw: raw}
	}
}

// parseHead is readHead's slow path: a full decode.
func parseHead(raw []byte) (head, error) {
	d, err := sellerdb.ParseDoc(raw)
	if err != nil {
		return head{}, err
	}
	return head{tid: d.Tid, modified: d.Modified.Unix(), seller: []byte(d.SellerNick)}, nil
}

func (r *Reconciler) malformed(seller string, err error) {
	r.stats.malformed.Add(1)
	r.cfg.Logger.Warn("reconcile: platform order skipped", "seller", seller, "err", err)
}

func isTooMany(err error) bool {
	var t *tooMany
	return errors.As(err, &t)
}
