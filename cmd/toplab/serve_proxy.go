package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/toplab/toplab/system/gateway"
)

// serveProxy runs a bare reverse proxy for the gateway benchmark: with
// -http nethttp an httputil.ReverseProxy with a tuned transport (what a
// hand-written Go proxy reaches), with -http fasthttp the gateway's own HTTP
// stack (fasthttp server and client, same settings) doing nothing but
// forwarding, which separates what the stack costs from what the pipeline
// costs.
func serveProxy(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve proxy", "-target URL [flags]")
	var nf nodeFlags
	nf.register(fs, "")
	addr := fs.String("addr", "127.0.0.1:8802", "listen address")
	target := fs.String("target", "http://127.0.0.1:8801", "upstream base URL")
	idle := fs.Int("idle", 1024, "upstream connections kept (idle ones with nethttp, all with fasthttp)")
	stack := fs.String("http", "nethttp", "HTTP stack: nethttp (httputil.ReverseProxy) or fasthttp (the gateway's stack, no pipeline)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" || u.Scheme != "http" {
		return usageError{fmt.Sprintf("bad -target %q: want http://host:port", *target)}
	}
	if *stack != "nethttp" && *stack != "fasthttp" {
		return usageError{fmt.Sprintf("bad -http %q: nethttp or fasthttp", *stack)}
	}
	if *idle <= 0 {
		return usageError{fmt.Sprintf("bad -idle %d: want at least 1", *idle)}
	}
	log, err := nf.logger(env, "proxy")
	if err != nil {
		return err
	}
	l, err := listen(*addr)
	if err != nil {
		return err
	}
	log.Info("proxy serving", "addr", l.Addr().String(), "target", *target, "http", *stack)
	if *stack == "fasthttp" {
		return gateway.RunFast(ctx, fastProxy(u.Host, *idle), l, nf.drain)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        *idle,
		MaxIdleConnsPerHost: *idle,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("/", rp)
	return serveHTTP(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, l, nf.drain)
}

// fastProxy forwards every request to host as it came, over fasthttp's
// keep-alive client configured as the gateway's backend pool is.
func fastProxy(host string, conns int) *fasthttp.Server {
	client := &fasthttp.HostClient{
		Addr: host, Name: "toplab-proxy", MaxConns: conns, MaxIdleConnDuration: 90 * time.Second,
		ReadTimeout: time.Minute, WriteTimeout: 10 * time.Second, DisableHeaderNamesNormalizing: true,
		MaxResponseBodySize: 4 << 20,
		Dial:                func(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, 2*time.Second) },
	}
	return &fasthttp.Server{
		Name: "toplab-proxy", NoDefaultServerHeader: true, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ReadBufferSize: 16 << 10,
		Handler: func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) == "/healthz" {
				ctx.SetBodyString("ok\n")
				return
			}
			ctx.Request.Header.Del(fasthttp.HeaderConnection) // hop-by-hop
			if err := client.DoTimeout(&ctx.Request, &ctx.Response, 3*time.Second); err != nil {
				ctx.ResetBody()
				ctx.Error("upstream: "+err.Error(), fasthttp.StatusBadGateway)
			}
		},
	}
}
