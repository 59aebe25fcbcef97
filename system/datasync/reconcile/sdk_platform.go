package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/sdk"
)

// Sessions gives the session that authorises the sync app for a seller (the
// worker's Directory is one).
type Sessions interface {
	Session(ctx context.Context, seller string) (session string, ok bool, err error)
}

// SDKPlatform calls taobao.trades.sold.increment.get through the TOP gateway.
type SDKPlatform struct {
	Client   *sdk.Client
	Sessions Sessions
	// Fields is the fields parameter; default every field of a trade, the
	// list the worker fetches with, so the bytes (and hashes) match its rows.
	Fields string
}

var _ Platform = SDKPlatform{}

// ErrNoSession: the seller has no session for the sync app, so its orders
// cannot be listed (the window is not verified).
var ErrNoSession = errors.New("reconcile: no session for the seller")

func (p SDKPlatform) Increment(ctx context.Context, q Query) (Page, error) {
	session, ok, err := p.Sessions.Session(ctx, q.Seller)
	if err != nil {
		return Page{}, fmt.Errorf("reconcile: session of %s: %w", q.Seller, err)
	}
	if !ok {
		return Page{}, fmt.Errorf("%w %s", ErrNoSession, q.Seller)
	}
	fields := p.Fields
	if fields == "" {
		fields = backend.TradeFieldsParam()
	}
	payload, err := p.Client.Call(ctx, MethodIncrement, map[string]string{
		"start_modified": stamp(q.From),
		"end_modified":   stamp(q.To),
		"page_no":        strconv.Itoa(q.PageNo),
		"page_size":      strconv.Itoa(q.PageSize),
		"fields":         fields,
		"use_has_next":   "false", // the total is what the pager needs
	}, session)
	if err != nil {
		return Page{}, err
	}
	return DecodePage(payload)
}

// DecodePage reads an increment.get answer: {"trades":{"trade":[...]},
// "total_results":N}. Each trade keeps its bytes. An answer without
// total_results, or with trades that are not objects, is an error.
func DecodePage(payload []byte) (Page, error) {
	var body struct {
		Trades *struct {
			Trade []json.RawMessage `json:"trade"`
		} `json:"trades"`
		Total *int `json:"total_results"`
	}
	if err := json.Unmarshal(payload, &body); err != nil {
		return Page{}, fmt.Errorf("reconcile: increment answer: %w", err)
	}
	if body.Total == nil || *body.Total < 0 {
		return Page{}, errors.New("reconcile: increment answer without total_results")
	}
	var p Page
	p.Total = *body.Total
	if body.Trades != nil {
		p.Trades = body.Trades.Trade
	}
	for i, t := range p.Trades {
		if len(t) == 0 || t[0] != '{' {
			return Page{}, fmt.Errorf("reconcile: increment answer: trade %d is not an object", i+1)
		}
	}
	if len(p.Trades) > p.Total {
		return Page{}, fmt.Errorf("reconcile: increment answer: %d trades but total_results %d", len(p.Trades), p.Total)
	}
	return p, nil
}
