package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// serveProxy runs an httputil.ReverseProxy with a tuned transport: the
// baseline a hand-written Go proxy reaches, for the gateway benchmark.
func serveProxy(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve proxy", "-target URL [flags]")
	var nf nodeFlags
	nf.register(fs, "")
	addr := fs.String("addr", "127.0.0.1:8802", "listen address")
	target := fs.String("target", "http://127.0.0.1:8801", "upstream base URL")
	idle := fs.Int("idle", 1024, "idle upstream connections kept")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return usageError{fmt.Sprintf("bad -target %q", *target)}
	}
	log, err := nf.logger(env, "proxy")
	if err != nil {
		return err
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
	l, err := listen(*addr)
	if err != nil {
		return err
	}
	log.Info("proxy serving", "addr", l.Addr().String(), "target", *target)
	return serveHTTP(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, l, nf.drain)
}
