package gateway

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"

	"github.com/toplab/toplab/system/top"
)

var respPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// ServeHTTP is the net/http front: tests use it with httptest, and
// `serve gateway -http nethttp` serves with it for comparison.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := request{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, contentType: r.Header.Get("Content-Type"),
		separator: r.Header.Get(top.SeparatorHeader), remote: remoteIP(r)}
	if in.path == PathRest || in.path == PathBatch {
		in.body, in.bodyErr = g.readBody(w, r)
	}
	bp := respPool.Get().(*[]byte)
	defer respPool.Put(bp)
	out := g.handle(r.Context(), &in, (*bp)[:0])
	if out.notFound {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", out.contentType)
	h.Set("Top-Request-Id", out.requestID)
	if out.separator != "" {
		h.Set(top.SeparatorHeader, out.separator)
	}
	h.Set("Content-Length", strconv.Itoa(len(out.body)))
	w.Write(out.body)
	keepBuffer(bp, out.body)
}

// keepBuffer returns a response buffer to the pool unless it grew huge.
func keepBuffer(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledResult {
		*bp = b
	}
}

// readBody reads a body of at most MaxBodyBytes.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *top.Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, bodyTooLarge(g.cfg.MaxBodyBytes)
	case err != nil:
		return nil, top.Errorf(top.CodeParameterError, "isv.malformed-request", "reading the body: %v", err)
	}
	return body, nil
}

func bodyTooLarge(limit int64) *top.Error {
	return top.Errorf(top.CodeParameterError, "isv.request-too-large", "the body exceeds %d bytes", limit)
}

func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}
