package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/testenv"
)

// TestServeProxyForwards runs both proxy stacks in front of one upstream:
// method, path, query, body and headers arrive, status and body come back.
func TestServeProxyForwards(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Trace"))
		w.WriteHeader(http.StatusTeapot)
		w.Write(append([]byte("echo:"), body...))
	}))
	t.Cleanup(upstream.Close)
	for _, stack := range []string{"fasthttp", "nethttp"} {
		t.Run(stack, func(t *testing.T) {
			port, err := testenv.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			addr := "127.0.0.1:" + strconv.Itoa(port)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- serveProxy(ctx, &cliEnv{stdout: io.Discard, stderr: io.Discard},
					[]string{"-http", stack, "-addr", addr, "-target", upstream.URL, "-log-level", "warn"})
			}()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("proxy stopped with %v", err)
				}
			})
			waitHealthy(t, "http://"+addr+"/healthz")
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/x?a=1", strings.NewReader("payload"))
			req.Header.Set("X-Trace", "t-1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusTeapot || !bytes.Equal(body, []byte("echo:payload")) || resp.Header.Get("X-Seen") != "POST /api/x?a=1 t-1" {
				t.Fatalf("got %d %q seen %q", resp.StatusCode, body, resp.Header.Get("X-Seen"))
			}
		})
	}
}

func TestServeProxyFlags(t *testing.T) {
	for _, args := range [][]string{{"-http", "spdy"}, {"-target", "ftp://x"}, {"-target", "nohost"}, {"-idle", "0"}} {
		code, _, stderr := runCLI(t, append([]string{"serve", "proxy"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "bad -") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
