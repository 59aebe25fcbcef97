package accounting

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/toptarget"
	"github.com/toplab/toplab/system/top"
)

// flakyServer answers 200, except every 10th request gets 503 and every
// 10th+5 has its connection closed without an answer.
func flakyServer(t *testing.T) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 10 {
		case 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 5:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A real open-model run with refusals and dropped connections accounts for
// every hit; pretending more were sent than the source counted is caught.
func TestRealRunIsAccounted(t *testing.T) {
	srv := flakyServer(t)
	// POST: the client never retries it on a closed connection, so each hit is one request.
	tr, sent := Counted(vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: srv.URL}))
	sum, err := loadgen.Attack(context.Background(), tr, loadgen.Options{
		Pacer: vegeta.ConstantPacer{Freq: 400, Per: time.Second}, Duration: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := Check(sum, sent())
	t.Log(r)
	if !r.Pass || r.Sent != sum.Requests || r.Sent < 100 || r.OK == 0 || r.ClassifiedErrors["http_503"] == 0 || total(r.Transport) == 0 {
		t.Fatalf("want a pass with successes, 503s and transport errors: %s", r)
	}
	if lost := Check(sum, sent()+5); lost.Pass || lost.Vanished != 5 {
		t.Fatalf("five hits never recorded went unnoticed: %s", lost)
	}
}

// fakeGateway answers every call with a success envelope, a batch with one
// part per item.
func fakeGateway(t *testing.T) *httptest.Server {
	ok := []byte(`{"x_get_response":{"request_id":"r"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.HasSuffix(r.URL.Path, "/batch") {
			w.Write(ok)
			return
		}
		parts := make([][]byte, bytes.Count(body, []byte(top.DefaultSeparator))+1)
		for i := range parts {
			parts[i] = ok
		}
		w.Write(bytes.Join(parts, []byte(top.DefaultSeparator)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Hits and calls of a TOP population both account, batches included.
func TestTOPRunAccountsHitsAndCalls(t *testing.T) {
	srv := fakeGateway(t)
	tt, err := toptarget.New(toptarget.Config{URL: srv.URL, Bulk: toptarget.Bulk{Apps: 5, SessionsPerApp: 2}, BatchFraction: 0.3, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := loadgen.Closed(context.Background(), tt.Targeter(), loadgen.Options{
		Concurrency: 4, MaxHits: 300, Duration: time.Minute, Classifier: tt.Classifier(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hits := Check(sum, tt.Issued())
	calls := tt.Calls()
	byCall := CheckCounts(calls.Issued, calls.Outcomes)
	if !hits.Pass || hits.OK != 300 || !byCall.Pass || byCall.OK != calls.Issued || calls.Issued <= 300 {
		t.Fatalf("hits: %s\ncalls: %s", hits, byCall)
	}
}
