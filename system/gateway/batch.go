package gateway

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/toplab/toplab/system/top"
)

// serveBatch handles /router/batch: the sign and app are checked once for
// the batch; each item then runs the call stages on its own (session,
// permission, flow control: every item counts against quotas), all items
// concurrently, and the answers are joined in request order.
func (g *Gateway) serveBatch(w http.ResponseWriter, r *http.Request) {
	c := getCall()
	defer putCall(c)
	c.RequestID = g.ids.next()
	c.RemoteIP = remoteIP(r)
	c.Query = r.URL.RawQuery
	c.Top.Format = sniffFormat(c.Query)
	var err *top.Error
	if r.Method != http.MethodPost {
		err = top.Errorf(top.CodeHTTPActionNotAllowed, "", "batch calls are POST")
	} else {
		c.Body, err = g.readBody(w, r, false)
	}
	if err == nil {
		err = g.batch.run(r.Context(), c)
	}
	var sep string
	if err == nil {
		sep, err = top.CheckSeparator(r.Header.Get(top.SeparatorHeader))
	}
	var b *top.Batch
	if err == nil {
		b, err = top.ParseBatch(c.Body, sep, g.cfg.MaxBatchItems, g.cfg.Limits)
	}
	if err != nil {
		c.Top.Method = "" // a whole-batch failure is one error_response
		g.respond(w, c, err)
		return
	}
	g.metrics.batchItems.Observe(float64(len(b.Items)))
	parts := make([][]byte, len(b.Items))
	var wg sync.WaitGroup
	for i := range b.Items {
		wg.Go(func() { parts[i] = g.runItem(r, c, b, i) })
	}
	wg.Wait()
	h := w.Header()
	if c.Top.Format == top.FormatJSON {
		h.Set("Content-Type", "application/json;charset=utf-8")
	} else {
		h.Set("Content-Type", "text/xml;charset=utf-8")
	}
	h.Set("Top-Request-Id", c.RequestID)
	if sep != top.DefaultSeparator {
		h.Set(top.SeparatorHeader, sep)
	}
	w.Write(top.AppendBatchResponse(nil, sep, parts))
}

// batchOwned are the parameters an item cannot override: the batch's
// identity, sign and format hold for every item.
var batchOwned = map[string]bool{"app_key": true, "sign": true, "sign_method": true, "timestamp": true, "v": true, "format": true, "simplify": true}

// runItem runs item i with the batch's system parameters under the public
// ones and the item's own (an item's session overrides the batch's).
func (g *Gateway) runItem(r *http.Request, batch *Call, b *top.Batch, i int) []byte {
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
	err := g.item.run(r.Context(), c)
	c.Top.Format = batch.Top.Format // also when the item failed before its format was read
	return g.render(nil, c, err)
}
