package orders

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/toplab/toplab/system/backend"
)

// sellers returns the nicks of a node's first n seeded sellers.
func sellers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = backend.SellerNick(i + 1)
	}
	return out
}

// startNode starts a backend node in-process behind a real HTTP server on
// 127.0.0.1 (a random port); wrap, if set, wraps its handler.
func startNode(t testing.TB, wrap func(http.Handler) http.Handler) (*backend.Node, *httptest.Server) {
	t.Helper()
	n, err := backend.New(backend.Config{
		DataDir: t.TempDir(),
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Sellers: 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = n.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	srv.Config.RegisterOnShutdown(n.Drain)
	t.Cleanup(func() {
		srv.Close()
		if err := n.Close(); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	return n, srv
}

// kinds counts actions by kind.
func kinds(actions []Action) map[string]uint64 {
	out := map[string]uint64{}
	for _, a := range actions {
		out[a.Kind]++
	}
	return out
}
