package sdk

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/top"
)

// The protocol peer: an HTTP server on 127.0.0.1 that speaks the TOP wire
// protocol with system/top (parse, ParseCall, VerifySign with a known secret,
// AppendSuccess/AppendError, ParseBatch answered in order). It is not the
// gateway: tests script its answers.

const (
	peerAppKey = "12345678"
	peerSecret = "peer-s3cret"
)

// peerCall is one call the peer received: a rest call or a batch item.
type peerCall struct {
	ctx        context.Context // the HTTP request's
	method     string
	session    string
	params     *top.Params // everything the call carried (batch: query, #PUBLIC# and item merged)
	timestamp  string
	signMethod top.SignMethod
	batch      bool
}

// reply is the peer's answer to one call.
type reply struct {
	result string     // the API's result object; default: an echo of the call
	err    *top.Error // answer with error_response
	status int        // HTTP status of a rest answer; default 200
	raw    string     // this body instead of an envelope (whole request only)
	hangup bool       // close the connection without answering (whole request only)
}

type peer struct {
	t      testing.TB
	srv    *httptest.Server
	handle func(peerCall) reply
	// batchReply, when set and returning non-nil, answers a whole batch request.
	batchReply func(items int) *reply
	now        func() time.Time // the server's clock for the timestamp check

	mu         sync.Mutex
	calls      []peerCall
	rest       int
	batchSizes []int
	batchBody  []string
	separators []string
	ids        int
}

func newPeer(t testing.TB, handle func(peerCall) reply) *peer {
	t.Helper()
	if handle == nil {
		handle = func(peerCall) reply { return reply{} }
	}
	p := &peer{t: t, handle: handle, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /router/rest", p.serveRest)
	mux.HandleFunc("POST /router/batch", p.serveBatch)
	p.srv = httptest.NewServer(mux) // listens on 127.0.0.1:0
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peer) nextID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids++
	return "rid-" + strconv.Itoa(p.ids)
}

// counts returns the rest requests, the batch requests and the calls seen.
func (p *peer) counts() (rest, batches, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rest, len(p.batchSizes), len(p.calls)
}

func (p *peer) seen() []peerCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// batchRequests returns the bodies and separator headers of the batch requests.
func (p *peer) batchRequests() (bodies, separators []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.batchBody), slices.Clone(p.separators)
}

func (p *peer) sortedBatchSizes() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := slices.Clone(p.batchSizes)
	slices.Sort(s)
	return s
}

// authenticate checks app key, sign and timestamp as a gateway would.
func (p *peer) authenticate(m top.SignMethod, params *top.Params, body []byte) *top.Error {
	if params.Get("app_key") != peerAppKey {
		return top.NewError(top.CodeInvalidAppKey, "", "")
	}
	if !top.VerifySign(m, peerSecret, params, body, params.Get("sign")) {
		return top.NewError(top.CodeInvalidSignature, "isv.invalid-signature", "sign does not verify")
	}
	return top.CheckTimestamp(params.Get("timestamp"), p.now(), top.MaxSkew)
}

func (p *peer) serveRest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var params top.Params
	terr := params.ParseForm(r.URL.RawQuery, top.Limits{})
	if terr == nil {
		terr = params.ParseForm(string(body), top.Limits{})
	}
	var call top.Call
	if terr == nil {
		call, terr = top.ParseCall(&params)
	}
	if terr == nil {
		terr = p.authenticate(call.SignMethod, &params, nil)
	}
	if terr != nil {
		p.write(w, http.StatusOK, top.AppendError(nil, top.FormatJSON, terr, p.nextID()))
		return
	}
	pc := peerCall{ctx: r.Context(), method: call.Method, session: call.Session, params: &params,
		timestamp: call.Timestamp, signMethod: call.SignMethod}
	p.mu.Lock()
	p.rest++
	p.calls = append(p.calls, pc)
	p.mu.Unlock()
	rep := p.handle(pc)
	switch {
	case rep.hangup:
		p.hangup(w)
	case rep.raw != "":
		p.write(w, cmpOr(rep.status, http.StatusOK), []byte(rep.raw))
	default:
		p.write(w, cmpOr(rep.status, http.StatusOK), p.render(call.Simplify, pc, rep))
	}
}

func (p *peer) serveBatch(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var q top.Params
	terr := q.ParseForm(r.URL.RawQuery, top.Limits{})
	m, ok := top.ParseSignMethod(q.Get("sign_method"))
	if terr == nil && !ok {
		terr = top.NewError(top.CodeInvalidSignature, "isv.invalid-sign-method", "")
	}
	if terr == nil && (q.Get("v") != top.Version || q.Get("format") != "json") {
		terr = top.NewError(top.CodeParameterError, "isv.system-parameters", "v and format")
	}
	if terr == nil {
		terr = p.authenticate(m, &q, body)
	}
	sep := ""
	if terr == nil {
		sep, terr = top.CheckSeparator(r.Header.Get(top.SeparatorHeader))
	}
	var b *top.Batch
	if terr == nil {
		b, terr = top.ParseBatch(body, sep, 20, top.Limits{})
	}
	if terr != nil {
		p.write(w, http.StatusOK, top.AppendError(nil, top.FormatJSON, terr, p.nextID()))
		return
	}
	p.mu.Lock()
	p.batchSizes = append(p.batchSizes, len(b.Items))
	p.batchBody = append(p.batchBody, string(body))
	p.separators = append(p.separators, r.Header.Get(top.SeparatorHeader))
	p.mu.Unlock()
	if p.batchReply != nil {
		if rep := p.batchReply(len(b.Items)); rep != nil {
			switch {
			case rep.hangup:
				p.hangup(w)
			case rep.raw != "":
				p.write(w, cmpOr(rep.status, http.StatusOK), []byte(rep.raw))
			default:
				p.write(w, cmpOr(rep.status, http.StatusOK), top.AppendError(nil, top.FormatJSON, rep.err, p.nextID()))
			}
			return
		}
	}
	simplify := q.Get("simplify") == "true"
	parts := make([][]byte, len(b.Items))
	for i := range b.Items {
		merged := b.Merged(i)
		for _, kv := range q.List() { // the batch's system parameters; an item's own session wins
			if !merged.Has(kv.Name) {
				merged.Set(kv.Name, kv.Value)
			}
		}
		pc := peerCall{ctx: r.Context(), method: merged.Get("method"), session: merged.Get("session"),
			params: merged, timestamp: q.Get("timestamp"), signMethod: m, batch: true}
		p.mu.Lock()
		p.calls = append(p.calls, pc)
		p.mu.Unlock()
		parts[i] = p.render(simplify, pc, p.handle(pc))
	}
	if sep != top.DefaultSeparator {
		w.Header().Set(top.SeparatorHeader, sep)
	}
	p.write(w, http.StatusOK, top.AppendBatchResponse(nil, sep, parts))
}

// render answers one call: its error, its scripted result, or an echo of
// what it carried.
func (p *peer) render(simplify bool, pc peerCall, rep reply) []byte {
	if rep.err != nil {
		return top.AppendError(nil, top.FormatJSON, rep.err, p.nextID())
	}
	result := rep.result
	if result == "" {
		api := map[string]string{}
		for _, kv := range pc.params.List() {
			if !reserved(kv.Name) {
				api[kv.Name] = kv.Value
			}
		}
		b, _ := json.Marshal(echo{Method: pc.method, Session: pc.session, Params: api})
		result = string(b)
	}
	out, err := top.AppendSuccess(nil, top.FormatJSON, simplify, pc.method, []byte(result), p.nextID())
	if err != nil {
		p.t.Errorf("peer: AppendSuccess(%s): %v", result, err)
	}
	return out
}

// echo is the default result: what the peer understood of the call.
type echo struct {
	Method    string            `json:"method"`
	Session   string            `json:"session"`
	Params    map[string]string `json:"params"`
	RequestID string            `json:"request_id"`
}

func (p *peer) write(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// hangup closes the connection after the request was read: the client sees
// a sent request without an answer.
func (p *peer) hangup(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		p.t.Errorf("peer: hijack: %v", err)
		return
	}
	conn.Close()
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// newTestClient returns a client of p; edit adjusts the config.
func newTestClient(t *testing.T, p *peer, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{URL: p.srv.URL, AppKey: peerAppKey, Secret: peerSecret}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// decodeEcho reads the peer's default result.
func decodeEcho(t *testing.T, payload json.RawMessage) echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	if e.RequestID == "" {
		t.Fatalf("payload %s has no request_id", payload)
	}
	return e
}

// fastRetry retries at once (real clock, microsecond waits).
var fastRetry = RetryPolicy{BaseDelay: time.Microsecond, MaxDelay: time.Microsecond}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
