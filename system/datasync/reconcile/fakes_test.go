package reconcile_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

// trade is a small trade object with the fields the reconciler reads.
type trade struct {
	Tid        int64  `json:"tid"`
	Status     string `json:"status"`
	Type       string `json:"type"`
	SellerNick string `json:"seller_nick"`
	BuyerNick  string `json:"buyer_nick"`
	Created    string `json:"created"`
	Modified   string `json:"modified"`
	Payment    string `json:"payment"`
}

func tradeJSON(tid int64, seller, status string, modified time.Time) json.RawMessage {
	b, err := json.Marshal(trade{Tid: tid, Status: status, Type: "fixed", SellerNick: seller, BuyerNick: "buyer",
		Created: top.FormatTimestamp(modified.Add(-time.Hour)), Modified: top.FormatTimestamp(modified), Payment: "10.00"})
	if err != nil {
		panic(err)
	}
	return b
}

func mustDoc(raw json.RawMessage) sellerdb.Doc {
	d, err := sellerdb.ParseDoc(raw)
	if err != nil {
		panic(err)
	}
	return d
}

// platform is an in-memory trade centre answering increment.get as the
// backend does: inclusive window, oldest first, ties by tid, at most 24 h.
type platform struct {
	mu     sync.Mutex
	docs   map[int64]sellerdb.Doc
	calls  []reconcile.Query
	fail   func(q reconcile.Query, call int) error // injected failure, by query and call number
	before func(q reconcile.Query, call int)       // runs before a page is read (orders change meanwhile)
}

func newPlatform() *platform { return &platform{docs: map[int64]sellerdb.Doc{}} }

// put stores a version of an order (a change on the platform).
func (p *platform) put(tid int64, seller, status string, modified time.Time) sellerdb.Doc {
	d := mustDoc(tradeJSON(tid, seller, status, modified))
	p.mu.Lock()
	p.docs[tid] = d
	p.mu.Unlock()
	return d
}

func (p *platform) all() []sellerdb.Doc {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]sellerdb.Doc, 0, len(p.docs))
	for _, d := range p.docs {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b sellerdb.Doc) int { return cmp.Compare(a.Tid, b.Tid) })
	return out
}

func (p *platform) queries() []reconcile.Query {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

func (p *platform) Increment(ctx context.Context, q reconcile.Query) (reconcile.Page, error) {
	p.mu.Lock()
	call := len(p.calls) + 1
	p.calls = append(p.calls, q)
	before, fail := p.before, p.fail
	p.mu.Unlock()
	if before != nil {
		before(q, call)
	}
	if fail != nil {
		if err := fail(q, call); err != nil {
			return reconcile.Page{}, err
		}
	}
	switch {
	case q.To.Before(q.From) || q.To.Sub(q.From) > 24*time.Hour:
		return reconcile.Page{}, top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:end_modified", "window %s..%s", q.From, q.To)
	case q.PageNo < 1 || q.PageSize < 1 || q.PageSize > 100:
		return reconcile.Page{}, top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:page_size", "page %d of %d", q.PageNo, q.PageSize)
	}
	from, to := q.From.Unix(), q.To.Unix()
	p.mu.Lock()
	var in []sellerdb.Doc
	for _, d := range p.docs {
		if m := d.Modified.Unix(); d.SellerNick == q.Seller && m >= from && m <= to {
			in = append(in, d)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(in, func(a, b sellerdb.Doc) int {
		return cmp.Or(a.Modified.Compare(b.Modified), cmp.Compare(a.Tid, b.Tid))
	})
	page := reconcile.Page{Total: len(in)}
	for i := (q.PageNo - 1) * q.PageSize; i < len(in) && i < q.PageNo*q.PageSize; i++ {
		page.Trades = append(page.Trades, json.RawMessage(in[i].JSON))
	}
	return page, nil
}

// memStore is an in-memory seller database with sellerdb's Repair rule.
type memStore struct {
	mu      sync.Mutex
	rows    map[int64]sellerdb.Doc
	repairs int // Repair calls
	written int // rows Repair changed
}

func newMemStore() *memStore { return &memStore{rows: map[int64]sellerdb.Doc{}} }

var _ reconcile.Store = (*memStore)(nil)

func (s *memStore) Versions(_ context.Context, seller string, from, to time.Time) ([]sellerdb.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sellerdb.Version
	for _, d := range s.rows {
		if m := d.Modified.Unix(); d.SellerNick == seller && m >= from.Unix() && m <= to.Unix() {
			out = append(out, sellerdb.Version{Tid: d.Tid, Modified: d.Modified, Hash: d.Hash, Status: d.Status})
		}
	}
	return out, nil
}

func (s *memStore) Repair(_ context.Context, docs []sellerdb.Doc) (sellerdb.WriteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repairs++
	var res sellerdb.WriteResult
	for _, d := range docs {
		old, ok := s.rows[d.Tid]
		if ok && (old.Modified.After(d.Modified) || old.Modified.Equal(d.Modified) && old.Hash == d.Hash) {
			res.Stale++
			continue
		}
		s.rows[d.Tid] = d
		res.Written++
		s.written++
	}
	return res, nil
}

// The behind-the-back edits a test makes.

func (s *memStore) seed(docs ...sellerdb.Doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs {
		s.rows[d.Tid] = d
	}
}

func (s *memStore) remove(tid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.rows, tid)
}

func (s *memStore) alter(tid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.rows[tid]
	d.Status, d.Hash = "TRADE_CLOSED", "0000000000000000"
	s.rows[tid] = d
}

func (s *memStore) row(tid int64) (sellerdb.Doc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.rows[tid]
	return d, ok
}

func (s *memStore) counts() (repairs, written int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repairs, s.written
}

// failingStore fails every call.
type failingStore struct{}

func (failingStore) Versions(context.Context, string, time.Time, time.Time) ([]sellerdb.Version, error) {
	return nil, errors.New("database down")
}

func (failingStore) Repair(context.Context, []sellerdb.Doc) (sellerdb.WriteResult, error) {
	return sellerdb.WriteResult{}, errors.New("database down")
}

func desc(d sellerdb.Doc) string {
	return fmt.Sprintf("tid %d %s %s %s", d.Tid, d.Status, top.FormatTimestamp(d.Modified), d.Hash)
}
