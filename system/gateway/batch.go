package gateway

import (
	"context"
	"strconv"
	"sync"

	"github.com/toplab/toplab/system/top"
)

// serveBatch handles /router/batch: the sign and app are checked once for
// the batch; each item then runs the call stages on its own (session,
// permission, flow control: every item counts against quotas), all items
// concurrently, and the answers are joined in request order.
func (g *Gateway) serveBatch(ctx context.Context, in *request, dst []byte) reply {
	c := g.newCall(in)
	defer putCall(c)
	err := in.bodyErr
	if err == nil && in.method != "POST" {
		err = top.Errorf(top.CodeHTTPActionNotAllowed, "", "batch calls are POST")
	}
	c.Body = in.body
	if err == nil {
		err = g.batch.run(ctx, c)
	}
	var sep string
	if err == nil {
		sep, err = top.CheckSeparator(in.separator)
	}
	var b *top.Batch
	if err == nil {
		b, err = top.ParseBatch(c.Body, sep, g.cfg.MaxBatchItems, g.cfg.Limits)
	}
	out := reply{contentType: contentType(c.Top.Format), requestID: c.RequestID}
	if err != nil {
		c.Top.Method = "" // a whole-batch failure is one error_response
		out.body = g.render(dst, c, err)
		return out
	}
	g.metrics.batchItems.Observe(float64(len(b.Items)))
	parts := make([][]byte, len(b.Items))
	var wg sync.WaitGroup
	for i := range b.Items {
		wg.Go(func() { parts[i] = g.runItem(ctx, c, b, i) })
	}
	wg.Wait()
	if sep != top.DefaultSeparator {
		out.separator = sep
	}
	out.body = top.AppendBatchResponse(dst, sep, parts)
	return out
}

// batchOwned are the parameters an item cannot override: the batch's
// identity, sign and format hold for every item.
var batchOwned = map[string]bool{"app_key": true, "sign": true, "sign_method": true, "timestamp": true, "v": true, "format": true, "simplify": true}

// runItem runs item i with the batch's system parameters under the public
// ones and the item's own (an item's session overrides the batch's).
func (g *Gateway) runItem(ctx context.Context, batch *Call, b *top.Batch, i int) []byte {
	c := getCall()
	defer putCall(c)
	c.batchItem = true
	c.RequestID = batch.RequestID + "-" + strconv.Itoa(i)
	c.RemoteIP = batch.RemoteIP
	c.App = batch.App
	for _, kv := range batch.Params.List() {
		c.Params.Set(kv.Name, kv.Value)
	}
	for _, kv := range b.Merged(i).List() {
		if !batchOwned[kv.Name] {
			c.Params.Set(kv.Name, kv.Value)
		}
	}
	err := g.item.run(ctx, c)
	c.Top.Format = batch.Top.Format // also when the item failed before its format was read
	return g.render(nil, c, err)
}
