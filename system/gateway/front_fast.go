package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/toplab/toplab/system/top"
)

// FastServer is the gateway's production front on fasthttp: no goroutine
// hand-offs or per-request header maps, so the pipeline, not the HTTP
// stack, sets the gateway's throughput. readTimeout bounds reading a whole
// request, so a client that never finishes its header is cut off.
func (g *Gateway) FastServer(readTimeout time.Duration) *fasthttp.Server {
	if readTimeout <= 0 {
		readTimeout = 10 * time.Second
	}
	return &fasthttp.Server{
		Handler:               g.serveFast,
		ErrorHandler:          g.fastError,
		Name:                  "toplab",
		NoDefaultServerHeader: true,
		ReadTimeout:           readTimeout,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Bodies up to 4x the limit are read in full and refused with code 43:
		// closing on a client still sending would reset its connection before
		// it reads the answer. Larger ones are cut off by fasthttp.
		MaxRequestBodySize: int(4 * g.cfg.MaxBodyBytes),
		ReadBufferSize:     16 << 10, // the largest request header
		Logger:             fastLogger{g},
	}
}

func (g *Gateway) serveFast(ctx *fasthttp.RequestCtx) {
	in := request{
		method: string(ctx.Method()), path: string(ctx.Path()), query: string(ctx.URI().QueryString()),
		body: ctx.PostBody(), contentType: string(ctx.Request.Header.ContentType()),
		separator: string(ctx.Request.Header.Peek(top.SeparatorHeader)), remote: fastRemote(ctx),
	}
	if int64(len(in.body)) > g.cfg.MaxBodyBytes {
		in.body, in.bodyErr = nil, bodyTooLarge(g.cfg.MaxBodyBytes)
	}
	g.writeFast(ctx, &in)
}

func (g *Gateway) writeFast(ctx *fasthttp.RequestCtx, in *request) {
	bp := respPool.Get().(*[]byte)
	defer respPool.Put(bp)
	// Not ctx itself: a RequestCtx is recycled when the handler returns, and
	// contexts derived from it (cache loads, for one) may outlive the call.
	out := g.handle(context.Background(), in, (*bp)[:0])
	if out.notFound {
		ctx.Error("404 page not found", fasthttp.StatusNotFound)
		return
	}
	ctx.SetContentType(out.contentType)
	ctx.Response.Header.Set("Top-Request-Id", out.requestID)
	if out.separator != "" {
		ctx.Response.Header.Set(top.SeparatorHeader, out.separator)
	}
	ctx.SetBody(out.body) // copies: the pooled buffer goes back
	keepBuffer(bp, out.body)
}

// fastError answers requests fasthttp could not read in the protocol's own
// error format (an oversized body is code 43, as on the net/http front).
func (g *Gateway) fastError(ctx *fasthttp.RequestCtx, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && len(ctx.Request.Header.RawHeaders()) == 0 {
		// The read timed out before a request line arrived: a connection a
		// client opened and never used (Go's transport keeps spares) or a
		// stalled header. An answer there would be an unsolicited response
		// to whoever reuses the connection: close it without one (fasthttp's
		// own write then fails quietly).
		ctx.Conn().Close()
		return
	}
	in := request{method: string(ctx.Method()), path: string(ctx.Path()), query: string(ctx.URI().QueryString()), remote: fastRemote(ctx)}
	if in.path != PathRest && in.path != PathBatch {
		in.path = PathRest
	}
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		in.bodyErr = bodyTooLarge(g.cfg.MaxBodyBytes)
	} else {
		in.bodyErr = top.Errorf(top.CodeParameterError, "isv.malformed-request", "the request could not be read: %v", err)
	}
	g.writeFast(ctx, &in)
	ctx.SetConnectionClose()
}

func fastRemote(ctx *fasthttp.RequestCtx) netip.Addr {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// ServeFast serves on l with the fasthttp front until ctx ends, then drains
// in-flight calls for up to drain.
func (g *Gateway) ServeFast(ctx context.Context, l net.Listener, readTimeout, drain time.Duration) error {
	return RunFast(ctx, g.FastServer(readTimeout), l, drain)
}

// RunFast serves srv on l until ctx ends, then shuts it down within drain.
func RunFast(ctx context.Context, srv *fasthttp.Server, l net.Listener, drain time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return srv.ShutdownWithContext(sctx)
}

type fastLogger struct{ g *Gateway }

func (l fastLogger) Printf(format string, args ...any) {
	l.g.log.Debug("fasthttp: " + fmt.Sprintf(format, args...))
}
