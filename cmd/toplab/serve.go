package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

// role is a kind of node `toplab serve` runs.
type role struct {
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

func roles() map[string]role {
	return map[string]role{
		"gateway": {"the TOP API gateway (/router/rest, /router/batch)", serveGateway},
		"backend": {"the trade, item and user centres behind the gateway", serveBackend},
		"proxy":   {"an httputil.ReverseProxy with a tuned transport (a benchmark baseline)", serveProxy},
		"push":    {"the message service (TMC over WebSocket, REST pull, the change-log feeder)", servePush},
		"sync":    {"a data sync worker: trade messages -> the seller database (jdp_tb_trade), with reconciliation", serveSync},
	}
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	rs := roles()
	var names []string
	for n := range rs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{fmt.Sprintf("usage: toplab serve <node> [flags]; nodes: %s", strings.Join(names, ", "))}
	}
	r, ok := rs[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown node %q; nodes: %s", args[0], strings.Join(names, ", "))}
	}
	return r.run(ctx, env, args[1:])
}

// nodeFlags are the flags every node has.
type nodeFlags struct {
	admin    string
	drain    time.Duration
	logLevel string
}

// register adds the flags; a node without a separate admin port passes "".
func (f *nodeFlags) register(fs *flag.FlagSet, defaultAdmin string) {
	if defaultAdmin != "" {
		fs.StringVar(&f.admin, "admin", defaultAdmin, "admin address: /healthz, /metrics, /debug/pprof (loopback only: it has no auth)")
	}
	fs.DurationVar(&f.drain, "drain", 10*time.Second, "how long in-flight work may finish after SIGTERM")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
}

func (f *nodeFlags) logger(env *cliEnv, node string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("bad -log-level %q", f.logLevel)}
	}
	return slog.New(slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: lvl})).With("node", node, "pid", os.Getpid()), nil
}

// listen binds addr, refusing non-loopback admin addresses.
func listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return l, nil
}

func checkLoopback(flagName, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("bad -%s %q: %v", flagName, addr, err)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageError{fmt.Sprintf("-%s %s: the admin endpoints have no auth and bind to loopback only", flagName, addr)}
	}
	return nil
}

// serveHTTP runs srv on l until ctx ends, then shuts it down within drain.
func serveHTTP(ctx context.Context, srv *http.Server, l net.Listener, drain time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return srv.Shutdown(sctx)
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
