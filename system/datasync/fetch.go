package datasync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/sdk"
	"github.com/toplab/toplab/system/top"
)

// FetchRequest asks for one order with the seller's session.
type FetchRequest struct {
	Tid     int64
	Session string
}

// FetchResult is one order's "trade" object as the platform returned it
// (the bytes hashed into jdp_hashcode), or why it could not be had.
type FetchResult struct {
	Trade json.RawMessage
	Err   error
}

// Fetcher gets full orders from the platform.
type Fetcher interface {
	// Fetch returns one result per request, in order.
	Fetch(ctx context.Context, reqs []FetchRequest) []FetchResult
}

// MethodFullinfo is the API a worker fetches an order with.
const MethodFullinfo = "taobao.trade.fullinfo.get"

// subTradeNotExist is the platform's answer for an order that does not
// exist or is not the session's seller's.
const subTradeNotExist = "isv.trade-not-exist"

// ErrTradeGone says the platform has no such order for the seller.
var ErrTradeGone = errors.New("datasync: the platform has no such order for the seller")

// GatewayFetcher fetches through the TOP gateway: one order with
// /router/rest, several with /router/batch (the SDK splits them into
// requests of its batch size and sends those concurrently).
type GatewayFetcher struct {
	Client *sdk.Client
}

var _ Fetcher = GatewayFetcher{}

func (g GatewayFetcher) Fetch(ctx context.Context, reqs []FetchRequest) []FetchResult {
	out := make([]FetchResult, len(reqs))
	if len(reqs) == 1 {
		payload, err := g.Client.Call(ctx, MethodFullinfo, fullinfoParams(reqs[0].Tid), reqs[0].Session)
		out[0] = tradeOf(payload, err)
		return out
	}
	calls := make([]sdk.BatchCall, len(reqs))
	for i, r := range reqs {
		calls[i] = sdk.BatchCall{Method: MethodFullinfo, Params: fullinfoParams(r.Tid), Session: r.Session}
	}
	res, _ := g.Client.Batch(ctx, calls) // each slot carries its own error
	for i, r := range res {
		out[i] = tradeOf(r.Payload, r.Err)
	}
	return out
}

// fullinfoParams asks for every field, so the answer is the stored version
// byte for byte and its hash is stable.
func fullinfoParams(tid int64) map[string]string {
	return map[string]string{"tid": strconv.FormatInt(tid, 10), "fields": backend.TradeFieldsParam()}
}

// tradeOf takes the "trade" object out of a fullinfo answer, keeping its bytes.
func tradeOf(payload json.RawMessage, err error) FetchResult {
	if err != nil {
		var te *top.Error
		if errors.As(err, &te) && te.SubCode == subTradeNotExist {
			return FetchResult{Err: fmt.Errorf("%w: %v", ErrTradeGone, err)}
		}
		return FetchResult{Err: err}
	}
	var body struct {
		Trade json.RawMessage `json:"trade"`
	}
	if err := json.Unmarshal(payload, &body); err != nil || len(body.Trade) == 0 {
		return FetchResult{Err: fmt.Errorf("datasync: fullinfo answer without a trade object: %.120s", payload)}
	}
	return FetchResult{Trade: body.Trade}
}
