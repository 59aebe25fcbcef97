package main

import (
	"context"
	"fmt"
	"time"

	"github.com/toplab/toplab/loadgen/zeroloss"
)

// settleResult is what the zero-loss checkers found after the load.
type settleResult struct {
	messages    *zeroloss.Report // nil without a push stream
	orders      zeroloss.OrderReport
	ordersErr   error
	settledIn   time.Duration // from the end of the load until the checks passed (or settle ran out)
	changesSeen int           // trade changes the push apps had to receive
}

// settle waits, at most the scenario's settle time, until every message the
// push apps had to receive arrived and the sellers' database equals the
// trade centre, then runs the checkers a last time.
func (r *labRun) settle(ctx context.Context) settleResult {
	var res settleResult
	from := time.Now()
	deadline := from.Add(r.s.Settle)
	if r.push != nil {
		n, err := r.push.ackChanges(ctx)
		res.changesSeen = n
		if err != nil {
			r.notes = append(r.notes, "messages: "+err.Error())
		}
	}
	db, err := r.sys.sellerDB(ctx)
	if err != nil {
		res.ordersErr = fmt.Errorf("open the sellers' database: %w", err)
		return res
	}
	defer db.Close()
	fmt.Fprintf(r.o.progress, "settling (at most %s): waiting for deliveries and the sync to catch up\n", r.s.Settle)
	for ctx.Err() == nil {
		msgsDone := r.push == nil || r.push.history.Missing() == 0
		if msgsDone {
			res.orders, res.ordersErr = zeroloss.CheckOrders(ctx, r.sys.backendURL, db, nil)
			if res.ordersErr == nil && res.orders.Pass() {
				break
			}
		}
		if !time.Now().Before(deadline) {
			if !msgsDone {
				res.orders, res.ordersErr = zeroloss.CheckOrders(ctx, r.sys.backendURL, db, nil)
			}
			break
		}
		_ = sleepCtx(ctx, min(2*time.Second, max(time.Until(deadline), 10*time.Millisecond)))
	}
	res.settledIn = time.Since(from)
	if r.push != nil {
		rep := r.push.history.Check()
		res.messages = &rep
	}
	fmt.Fprintf(r.o.progress, "settled in %s\n", res.settledIn.Round(100*time.Millisecond))
	return res
}
