package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// epoch is a Double-11 midnight in GMT+8, plus a fraction of a second so
// truncation to the second is exercised.
var epoch = time.Date(2026, 11, 11, 0, 0, 0, 300_000_000, top.GMT8)

// quietLogger discards logs; tests that assert logs pass their own.
func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// newTestNode starts a node on a fake clock at epoch (unless cfg has a
// clock) in a test temp dir, closed when the test ends.
func newTestNode(t testing.TB, cfg Config) (*Node, *clock.Fake) {
	t.Helper()
	var fake *clock.Fake
	if cfg.Clock == nil {
		fake = clock.NewFake(epoch)
		cfg.Clock = fake
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n, fake
}

// apiRequest builds POST /api/{method} with the identity headers.
func apiRequest(ctx context.Context, method, nick string, params url.Values) *http.Request {
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, APIPathPrefix+method, strings.NewReader(params.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(HeaderRequestID, "req-test-1")
	r.Header.Set(HeaderAppKey, "12345678")
	if nick != "" {
		r.Header.Set(HeaderUserNick, nick)
		r.Header.Set(HeaderUserID, "1")
	}
	return r
}

// callAPI serves one API call in-process.
func callAPI(t testing.TB, h http.Handler, method, nick string, params url.Values) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, apiRequest(context.Background(), method, nick, params))
	return rec.Code, rec.Body.Bytes()
}

// decodeTopError decodes a failure body, failing the test when it is not one.
func decodeTopError(t testing.TB, body []byte) top.Error {
	t.Helper()
	var e top.Error
	if err := json.Unmarshal(body, &e); err != nil || e.Code == 0 || e.Msg == "" {
		t.Fatalf("body is not a top.Error: %v: %s", err, body)
	}
	return e
}

// doJSON serves an internal call in-process.
func doJSON(t testing.TB, h http.Handler, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader = http.NoBody
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
	return rec.Code, rec.Body.Bytes()
}

// mustCreate creates an order for seller with two sub-orders.
func mustCreate(t testing.TB, tc *TradeCentre, seller string) Version {
	t.Helper()
	v, err := tc.Create(context.Background(), NewTrade{
		SellerNick: seller, BuyerNick: "buyer_1",
		Orders: []NewOrder{{Title: "耳机", Price: 19900, Num: 1}, {Title: "保温杯", Price: 5000, Num: 2}},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return v
}

func mustApply(t testing.TB, tc *TradeCentre, tid int64, ev Event) Version {
	t.Helper()
	v, err := tc.Apply(context.Background(), tid, ev)
	if err != nil {
		t.Fatalf("apply %s to %d: %v", ev.Kind, tid, err)
	}
	return v
}

// objectKeys returns the member names of a JSON object in order.
func objectKeys(t testing.TB, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// jumpClock is a fake clock whose Now can step backwards, as a wall clock
// corrected by NTP can; timers follow the embedded Fake.
type jumpClock struct {
	*clock.Fake
	mu  sync.Mutex
	now time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *jumpClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// waitCtx bounds a test's blocking steps so a bug fails instead of hanging.
func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
