package loadgen

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// serve starts a server on 127.0.0.1 (httptest's default, a random port).
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// okServer answers 200 to everything and counts the requests.
func okServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	return srv, &n
}

func getTargeter(urls ...string) vegeta.Targeter {
	tgts := make([]vegeta.Target, len(urls))
	for i, u := range urls {
		tgts[i] = vegeta.Target{Method: http.MethodGet, URL: u}
	}
	return vegeta.NewStaticTargeter(tgts...)
}

func rate(perSecond int) vegeta.Pacer {
	return vegeta.ConstantPacer{Freq: perSecond, Per: time.Second}
}

// within fails the test if ch is not closed within limit: the bound only
// keeps a broken run from hanging the test, it asserts no timing.
func within(t *testing.T, limit time.Duration, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(limit):
		t.Fatalf("%s did not happen within %v", what, limit)
	}
}

func countAbove(t *testing.T, d Distribution, limit time.Duration) int64 {
	t.Helper()
	h, err := d.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for v, c := range h.ForEachBucket {
		if usToDuration(v) >= limit {
			n += c
		}
	}
	return n
}
