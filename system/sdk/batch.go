package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/toplab/toplab/system/top"
)

// BatchCall is one call of a batch.
type BatchCall struct {
	Method  string
	Params  map[string]string // API parameters; no system parameters
	Session string
}

// BatchResult is one call's outcome: the payload object of its success
// wrapper, or its error (a *top.Error when the platform refused it).
type BatchResult struct {
	Payload json.RawMessage
	Err     error
}

// batchItem is a checked BatchCall.
type batchItem struct {
	method, session string
	params          *top.Params
	idempotent      bool
}

// Batch sends calls through /router/batch, BatchSize calls per request, the
// requests concurrently, and returns one result per call in input order.
// Each call succeeds or fails on its own; a call rejected before sending
// (no method, a reserved parameter) fails in its slot. Items that fail
// retryably are retried together in a smaller batch, following the client's
// RetryPolicy. The returned error is non-nil when some calls ended with the
// failure of their batch request as a whole (transport, whole-batch
// error_response, malformed answer, cancellation); their slots hold it too.
func (c *Client) Batch(ctx context.Context, calls []BatchCall) ([]BatchResult, error) {
	results := make([]BatchResult, len(calls))
	items := make([]batchItem, 0, len(calls))
	slot := make([]int, 0, len(calls)) // position in calls of each item
	for i, call := range calls {
		it, err := c.batchItemOf(call)
		if err != nil {
			results[i].Err = err
			continue
		}
		items = append(items, it)
		slot = append(slot, i)
	}
	chunks := (len(items) + c.batchSize - 1) / c.batchSize
	errs := make([]error, chunks)
	sem := make(chan struct{}, c.batchConcurrency)
	var wg sync.WaitGroup
	for k := range chunks {
		lo, hi := k*c.batchSize, min((k+1)*c.batchSize, len(items))
		wg.Go(func() {
			res := make([]BatchResult, hi-lo)
			select {
			case sem <- struct{}{}:
				errs[k] = c.runChunk(ctx, items[lo:hi], res)
				<-sem
			case <-ctx.Done():
				errs[k] = fmt.Errorf("sdk: batch: %w", ctx.Err())
				for j := range res {
					res[j].Err = errs[k]
				}
			}
			for j, r := range res {
				results[slot[lo+j]] = r
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

func (c *Client) batchItemOf(call BatchCall) (batchItem, error) {
	p, err := paramsOf(call.Params)
	if err == nil {
		err = checkCall(call.Method, nil)
	}
	if err != nil {
		return batchItem{}, fmt.Errorf("sdk: batch call %s: %w", call.Method, err)
	}
	return batchItem{method: call.Method, session: call.Session, params: p, idempotent: c.retry.idempotent(call.Method)}, nil
}

// runChunk sends one batch of items, then re-sends the items that failed
// retryably, after the backoff, until none is left or attempts run out.
// res[i] receives item i's result; the error is the latest whole-request
// failure that some item ended with.
func (c *Client) runChunk(ctx context.Context, items []batchItem, res []BatchResult) error {
	pending := make([]int, len(items))
	for i := range pending {
		pending[i] = i
	}
	var failed error // the latest whole-request failure some item ends with
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			err = fmt.Errorf("sdk: batch: %w", err)
			for _, i := range pending {
				res[i] = BatchResult{Err: err}
			}
			return err
		}
		whole := c.sendChunk(ctx, items, pending, res)
		var next []int
		for _, i := range pending {
			if res[i].Err != nil && classify(res[i].Err).allows(items[i].idempotent) {
				next = append(next, i)
			}
		}
		last := len(next) == 0 || attempt >= c.retry.attempts()
		if whole != nil && (last || len(next) < len(pending)) {
			failed = whole // some items end with it
		}
		if last {
			return failed
		}
		if werr := c.wait(ctx, c.retry.delay(attempt)); werr != nil {
			err := fmt.Errorf("sdk: batch: %w while waiting to retry", werr)
			for _, i := range next {
				res[i] = BatchResult{Err: fmt.Errorf("%w after: %v", err, res[i].Err)}
			}
			return err
		}
		pending = next
	}
}

// sendChunk sends items[pending] as one batch request (signed afresh) and
// stores their results; it returns the request's whole-batch failure.
func (c *Client) sendChunk(ctx context.Context, items []batchItem, pending []int, res []BatchResult) error {
	body, session := c.encodeBatch(items, pending)
	url := c.batchURL + "?" + c.signBatchQuery(session, body)
	buf, err := c.post(ctx, url, batchContentType, c.separator, bytes.NewReader(body))
	if err != nil {
		for _, i := range pending {
			res[i] = BatchResult{Err: err}
		}
		return err
	}
	defer putBuffer(buf)
	methods := make([]string, len(pending))
	for k, i := range pending {
		methods[k] = items[i].method
	}
	out, err := decodeBatch(buf.Bytes(), c.separator, methods, c.simplify)
	for k, i := range pending {
		res[i] = out[k]
	}
	return err
}

// encodeBatch writes the body of items[pending]: what every item shares
// (the method, equal API parameters) goes once in #PUBLIC#; the session
// shared by every item is returned for the query, else each item carries
// its own.
func (c *Client) encodeBatch(items []batchItem, pending []int) (body []byte, session string) {
	first := items[pending[0]]
	session, method := first.session, first.method
	var public top.Params
	if len(pending) > 1 {
		for _, kv := range first.params.List() {
			public.Set(kv.Name, kv.Value)
		}
		for _, i := range pending[1:] {
			it := items[i]
			if it.session != session {
				session = ""
			}
			if it.method != method {
				method = ""
			}
			for j := public.Len() - 1; j >= 0; j-- { // backwards: Del shifts what follows
				kv := public.List()[j]
				if !it.params.Has(kv.Name) || it.params.Get(kv.Name) != kv.Value {
					public.Del(kv.Name)
				}
			}
		}
		if method != "" {
			public.Set("method", method)
		}
	}
	sessionShared := session != "" || allSessionsEmpty(items, pending)
	list := make([]*top.Params, len(pending))
	for k, i := range pending {
		it := items[i]
		var p top.Params
		for _, kv := range it.params.List() {
			if !public.Has(kv.Name) {
				p.Set(kv.Name, kv.Value)
			}
		}
		if !public.Has("method") {
			p.Set("method", it.method)
		}
		if !sessionShared && it.session != "" {
			p.Set("session", it.session)
		}
		list[k] = &p
	}
	return top.EncodeBatch(&public, list, c.separator), session
}

func allSessionsEmpty(items []batchItem, pending []int) bool {
	for _, i := range pending {
		if items[i].session != "" {
			return false
		}
	}
	return true
}

// decodeBatch splits a batch response into one result per method. A
// response that is not one part per call fails every call: with the
// platform's error when it is a whole-batch error_response.
func decodeBatch(body []byte, sep string, methods []string, simplify bool) ([]BatchResult, error) {
	out := make([]BatchResult, len(methods))
	parts := top.SplitBatchResponse(body, sep)
	if len(parts) != len(methods) {
		err := badResponse("batch of %d calls answered with %d parts", len(methods), len(parts))
		if len(parts) == 1 {
			if r, derr := top.DecodeJSON(parts[0]); derr == nil && r.Err != nil && r.Err.Code != 0 {
				err = r.Err
			}
		}
		for k := range out {
			out[k].Err = err
		}
		return out, err
	}
	for k, part := range parts {
		out[k].Payload, out[k].Err = decodeResponse(part, methods[k], simplify)
	}
	return out, nil
}

// checkSeparator validates a batch separator: the protocol's rules; a
// custom one travels in a header, so no control bytes; and it needs a byte
// that url encoding never writes (nor the #PUBLIC# marker), so it cannot
// occur inside an item.
func checkSeparator(sep string) (string, error) {
	s, terr := top.CheckSeparator(sep)
	if terr != nil {
		return "", fmt.Errorf("sdk: batch separator: %s", terr.SubMsg)
	}
	if s != top.DefaultSeparator && strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("sdk: batch separator %q: control bytes cannot travel in the %s header", s, top.SeparatorHeader)
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return !formRune(r) }) {
		return "", fmt.Errorf("sdk: batch separator %q holds only bytes an encoded item may contain", s)
	}
	return s, nil
}

// formRune reports whether url-encoded parameters or the batch marker may contain r.
func formRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("-_.~%+&=#", r)
}
