package backend

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"time"
)

// Trade methods served to the gateway.
const (
	MethodTradeFullinfoGet       = "taobao.trade.fullinfo.get"
	MethodTradesSoldGet          = "taobao.trades.sold.get"
	MethodTradesSoldIncrementGet = "taobao.trades.sold.increment.get"
)

// maxTradesPageSize is the trade list APIs' largest page.
const maxTradesPageSize = 100

// tradeAPI is the trade centre's face to the gateway.
type tradeAPI struct {
	tc *TradeCentre
}

var _ Service = (*tradeAPI)(nil)

func (a *tradeAPI) Name() string { return "trade" }
func (a *tradeAPI) Methods() []string {
	return []string{MethodTradeFullinfoGet, MethodTradesSoldGet, MethodTradesSoldIncrementGet}
}

func (a *tradeAPI) Call(ctx context.Context, req *Request, dst []byte) ([]byte, error) {
	if req.UserNick == "" {
		return dst, errNeedsUser() // every trade API acts for a seller
	}
	switch req.Method {
	case MethodTradeFullinfoGet:
		return a.fullinfo(ctx, req, dst)
	case MethodTradesSoldGet:
		return a.sold(ctx, req, dst, false)
	case MethodTradesSoldIncrementGet:
		return a.sold(ctx, req, dst, true)
	}
	return dst, errors.New("trade api: unrouted method " + req.Method)
}

// fullinfo: taobao.trade.fullinfo.get (tid, fields) -> {"trade":{...}}. An
// order of another seller is answered exactly like a missing one.
func (a *tradeAPI) fullinfo(ctx context.Context, req *Request, dst []byte) ([]byte, error) {
	tid, err := paramInt64(req.Params, "tid")
	if err != nil {
		return dst, err
	}
	fs, err := paramFields(req.Params, tradeFields)
	if err != nil {
		return dst, err
	}
	err = a.tc.store.withDoc(ctx, tid, func(seller, doc []byte) error {
		if !bytes.Equal(seller, []byte(req.UserNick)) {
			return errTradeNotExist()
		}
		dst = append(dst, `{"trade":`...)
		dst = trimObject(dst, doc, fs)
		dst = append(dst, '}')
		return nil
	})
	if errors.Is(err, ErrTradeNotFound) {
		return dst, errTradeNotExist()
	}
	return dst, err
}

// sold serves taobao.trades.sold.get (by created, newest first) and
// taobao.trades.sold.increment.get (by modified, oldest first):
// {"trades":{"trade":[...]},"total_results":N,"has_next":bool}.
//
// Windows are inclusive at both ends at second resolution: an order whose
// created (or modified) equals start or end is returned. So consecutive
// increment windows [a, b], [b, c] both return an order modified at b: a
// reconciler sees it twice rather than never. increment.get needs both ends,
// end >= start and end - start <= 24 h. use_has_next=true skips the count
// (total_results is then omitted), which is cheaper for deep reconciliation.
func (a *tradeAPI) sold(ctx context.Context, req *Request, dst []byte, byModified bool) ([]byte, error) {
	startName, endName := "start_created", "end_created"
	if byModified {
		startName, endName = "start_modified", "end_modified"
	}
	q := tradeQuery{seller: req.UserNick, byModified: byModified}
	fs, err := paramFields(req.Params, tradeFields)
	if err != nil {
		return dst, err
	}
	var hasFrom, hasTo bool
	if q.from, hasFrom, err = paramTime(req.Params, startName); err != nil {
		return dst, err
	}
	if q.to, hasTo, err = paramTime(req.Params, endName); err != nil {
		return dst, err
	}
	switch {
	case byModified && !hasFrom:
		return dst, missingParam(startName)
	case byModified && !hasTo:
		return dst, missingParam(endName)
	case hasFrom && hasTo && q.to < q.from:
		return dst, invalidParam(endName, "%s must not be before %s", endName, startName)
	case byModified && int64(q.to-q.from) > int64(maxIncrementWindow/time.Second): // in seconds: no overflow
		return dst, invalidParam(endName, "%s and %s may be at most one day apart", startName, endName)
	}
	if q.statuses, err = paramStatus(req.Params); err != nil {
		return dst, err
	}
	if q.page, err = paramPage(req.Params, maxTradesPageSize); err != nil {
		return dst, err
	}
	if q.noCount, err = paramBool(req.Params, "use_has_next"); err != nil {
		return dst, err
	}
	dst = append(dst, `{"trades":{"trade":[`...)
	n := 0
	total, hasNext, err := a.tc.store.listTrades(ctx, q, func(doc []byte) {
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		dst = trimObject(dst, doc, fs)
	})
	if err != nil {
		return dst, err
	}
	dst = append(dst, `]}`...)
	if total >= 0 {
		dst = append(dst, `,"total_results":`...)
		dst = strconv.AppendInt(dst, int64(total), 10)
	}
	dst = append(dst, `,"has_next":`...)
	dst = strconv.AppendBool(dst, hasNext)
	return append(dst, '}'), nil
}
