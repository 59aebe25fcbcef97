package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Result is one action's outcome, for Config.Trace.
type Result struct {
	Action
	Tid    int64  // the order's tid (0 if the create failed)
	Code   int    // the HTTP status; 0 when there was no answer or the action was not sent
	Status string // the trade's status in a 2xx answer
	Want   string // the status the generator's model expected
	Err    error  // why it failed or was not sent
}

// newClient is the default client: keep-alive, idle connections for every
// worker, a whole-request timeout.
func newClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = concurrency
	tr.MaxIdleConns = max(tr.MaxIdleConns, concurrency)
	return &http.Client{Transport: tr, Timeout: DefaultTimeout}
}

// versionReply is the part of a trade centre version the generator reads.
type versionReply struct {
	Trade struct {
		Tid    int64  `json:"tid"`
		Status string `json:"status"`
	} `json:"trade"`
}

// call POSTs body as JSON to base+path and decodes a 2xx reply. A non-2xx
// status is returned with a nil error; err is set when there was no usable
// answer.
func call(ctx context.Context, c *http.Client, base, path string, body any) (code int, reply versionReply, err error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, reply, fmt.Errorf("encode %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+path, bytes.NewReader(raw))
	if err != nil {
		return 0, reply, fmt.Errorf("request %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, reply, fmt.Errorf("post %s: %w", path, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // so the connection is reused
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, reply, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return resp.StatusCode, reply, fmt.Errorf("decode %s reply: %w", path, err)
	}
	return resp.StatusCode, reply, nil
}
