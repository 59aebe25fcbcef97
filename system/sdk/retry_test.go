package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

type callResult struct {
	payload json.RawMessage
	err     error
}

func blockUntil(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	if err := clk.BlockUntil(testContext(t), n); err != nil {
		t.Fatalf("no timer armed: %v", err)
	}
}

// The backoff schedule on the fake clock: base 1 s doubling, capped at
// 1.5 s, jitter pinned to the ceiling; each retry re-signed with the clock's
// new time.
func TestRetryScheduleOnFakeClock(t *testing.T) {
	start := time.Date(2026, 11, 11, 0, 0, 0, 0, top.GMT8)
	clk := clock.NewFake(start)
	var n atomic.Int32
	p := newPeer(t, func(peerCall) reply {
		switch n.Add(1) {
		case 1:
			return reply{err: top.NewError(top.CodeRemoteServiceError, "isp.remote-service-timeout", "backend timed out")}
		case 2:
			return reply{err: top.NewError(top.CodeServiceUnavailable, "", "")}
		}
		return reply{}
	})
	p.now = clk.Now
	c := newTestClient(t, p, func(cfg *Config) {
		cfg.Clock = clk
		cfg.Retry = RetryPolicy{BaseDelay: time.Second, MaxDelay: 1500 * time.Millisecond,
			Jitter: func(ceiling time.Duration) time.Duration { return ceiling }}
	})
	done := make(chan callResult, 1)
	go func() {
		payload, err := c.Call(testContext(t), "taobao.trade.memo.update", map[string]string{"tid": "1"}, "s")
		done <- callResult{payload, err}
	}()
	for i, wait := range []time.Duration{time.Second, 1500 * time.Millisecond} {
		blockUntil(t, clk, 1)
		if got := n.Load(); got != int32(i+1) {
			t.Fatalf("backoff %d armed after %d attempts", i+1, got)
		}
		clk.Advance(wait - time.Millisecond)
		if clk.Waiters() != 1 || n.Load() != int32(i+1) {
			t.Fatalf("retried before backoff %d (%s) ended", i+1, wait)
		}
		clk.Advance(time.Millisecond)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Call after two retryable failures: %v", r.err)
	}
	decodeEcho(t, r.payload)
	var stamps []string
	for _, c := range p.seen() {
		stamps = append(stamps, c.timestamp)
	}
	want := []string{"2026-11-11 00:00:00", "2026-11-11 00:00:01", "2026-11-11 00:00:02"}
	if len(stamps) != 3 || stamps[0] != want[0] || stamps[1] != want[1] || stamps[2] != want[2] {
		t.Fatalf("attempt timestamps %v, want %v (re-signed each time)", stamps, want)
	}
}

func TestBackoffCeilingsAndJitterBounds(t *testing.T) {
	var p RetryPolicy // defaults: 50 ms doubling to 2 s
	p.Jitter = func(c time.Duration) time.Duration { return c }
	want := []time.Duration{50, 100, 200, 400, 800, 1600, 2000, 2000}
	for i, w := range want {
		if got := p.delay(i + 1); got != w*time.Millisecond {
			t.Errorf("delay(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	p.Jitter = nil
	for attempt := 1; attempt < 200; attempt++ { // full jitter stays in [0, ceiling]; no overflow
		if d := p.delay(attempt); d < 0 || d > 2*time.Second {
			t.Fatalf("delay(%d) = %s", attempt, d)
		}
	}
	p.Jitter = func(time.Duration) time.Duration { return -time.Hour }
	if d := p.delay(1); d != 0 {
		t.Fatalf("negative jitter gave %s", d)
	}
}

// Which failures are retried, through the real HTTP path.
func TestRetryOnlyRetryableFailures(t *testing.T) {
	const read, write = "taobao.trade.fullinfo.get", "taobao.trade.memo.update"
	tests := []struct {
		name     string
		method   string
		rep      reply
		attempts int
		check    func(error) bool
	}{
		{"flow control 7 with its ban", read, reply{err: top.Errorf(top.CodeAppCallLimited, top.SubAppAPIAccessCount, "This ban will last for 17 more seconds")}, 1,
			func(err error) bool { d, ok := BanDuration(err); return ok && d == 17*time.Second }},
		{"code 7 even with an isp sub-code", read, reply{err: top.NewError(top.CodeAppCallLimited, "isp.flow-control", "")}, 1, isCode(7)},
		{"isv sub-code", read, reply{err: top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter:tid", "")}, 1, isCode(41)},
		{"isv under code 15", read, reply{err: top.NewError(top.CodeRemoteServiceError, "isv.trade-not-exist", "")}, 1, isCode(15)},
		{"invalid session", read, reply{err: top.NewError(top.CodeInvalidSession, "", "")}, 1, isCode(27)},
		{"service unavailable 10", write, reply{err: top.NewError(top.CodeServiceUnavailable, "", "")}, 3, isCode(10)},
		{"isp sub-code", write, reply{err: top.NewError(top.CodeRemoteServiceError, "isp.remote-service-error", "")}, 3, isCode(15)},
		{"error envelope under 503", read, reply{status: 503, err: top.NewError(top.CodeServiceUnavailable, "", "")}, 3, isCode(10)},
		{"503 page", write, reply{status: 503, raw: "<html>unavailable</html>"}, 3, isStatus(503)},
		{"502 page, write", write, reply{status: 502, raw: "<html>bad gateway</html>"}, 1, isStatus(502)},
		{"502 page, read", read, reply{status: 502, raw: "<html>bad gateway</html>"}, 3, isStatus(502)},
		{"504 page, write", write, reply{status: 504, raw: "timeout"}, 1, isStatus(504)},
		{"504 page, read", read, reply{status: 504, raw: "timeout"}, 3, isStatus(504)},
		{"500 page", read, reply{status: 500, raw: "oops"}, 1, isStatus(500)},
		{"hang-up after the request, write", write, reply{hangup: true}, 1, isSent(true)},
		{"hang-up after the request, read", read, reply{hangup: true}, 3, isSent(true)},
		{"garbage body", read, reply{raw: "<html>"}, 1, func(err error) bool { return errors.Is(err, ErrBadResponse) }},
		{"truncated body", read, reply{raw: `{"trade_fullinfo_get_response":{"trade":`}, 1, func(err error) bool { return errors.Is(err, ErrBadResponse) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPeer(t, func(peerCall) reply { return tt.rep })
			c := newTestClient(t, p, func(cfg *Config) { cfg.Retry = fastRetry })
			_, err := c.Call(testContext(t), tt.method, nil, "")
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if _, _, calls := p.counts(); calls != tt.attempts {
				t.Fatalf("peer saw %d attempts, want %d", calls, tt.attempts)
			}
		})
	}
}

func isCode(code int) func(error) bool {
	return func(err error) bool {
		var te *top.Error
		return errors.As(err, &te) && te.Code == code
	}
}

func isStatus(code int) func(error) bool {
	return func(err error) bool {
		var se *StatusError
		return errors.As(err, &se) && se.StatusCode == code
	}
}

func isSent(sent bool) func(error) bool {
	return func(err error) bool {
		var tr *TransportError
		return errors.As(err, &tr) && tr.Sent == sent
	}
}

// A refused connection never reached the gateway: retried even for a write.
func TestRetryConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	d := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, a)
	}}}
	c, err := New(Config{URL: "http://" + addr, AppKey: "k", Secret: "s", HTTPClient: hc, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(testContext(t), "taobao.trade.memo.update", nil, "")
	if !isSent(false)(err) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want an unsent transport error (refused)", err)
	}
	if got := dials.Load(); got != 3 {
		t.Fatalf("%d dials, want 3 attempts", got)
	}
}

func TestIdempotentDefault(t *testing.T) {
	var p RetryPolicy
	for method, want := range map[string]bool{
		"taobao.trade.fullinfo.get":        true,
		"taobao.trades.sold.increment.get": true,
		"taobao.items.search":              true,
		"taobao.trade.memo.update":         false,
		"taobao.tmc.messages.consume":      false,
		"taobao.tmc.messages.confirm":      false,
		"get":                              true,
	} {
		if got := p.idempotent(method); got != want {
			t.Errorf("idempotent(%s) = %v", method, got)
		}
	}
	p.Idempotent = func(string) bool { return false }
	if p.idempotent("taobao.trade.fullinfo.get") {
		t.Error("custom Idempotent ignored")
	}
}

func TestCancelStopsBackoffWait(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t, func(peerCall) reply { return reply{err: top.NewError(top.CodeServiceUnavailable, "", "")} })
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	ctx, cancel := context.WithCancel(testContext(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(ctx, "taobao.trade.fullinfo.get", nil, "")
		done <- err
	}()
	blockUntil(t, clk, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if clk.Waiters() != 0 {
		t.Fatal("backoff timer left armed")
	}
	if _, _, calls := p.counts(); calls != 1 {
		t.Fatalf("%d attempts", calls)
	}
}

func TestCancelAbortsInFlightRequest(t *testing.T) {
	started, aborted := make(chan struct{}), make(chan struct{})
	p := newPeer(t, func(c peerCall) reply {
		close(started)
		<-c.ctx.Done() // the server sees the client go away
		close(aborted)
		return reply{}
	})
	c := newTestClient(t, p, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(ctx, "taobao.trade.fullinfo.get", nil, "")
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	<-aborted
	if _, _, calls := p.counts(); calls != 1 {
		t.Fatalf("cancelled call was retried: %d attempts", calls)
	}
}

func TestMayHaveSent(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name                    string
		err                     error
		getConn, gotConn, wrote bool
		want                    bool
	}{
		{"dial refused", dial, true, false, false, false},
		{"no connection obtained", errors.New("proxy"), true, false, false, false},
		{"reset while writing", reset, true, true, false, false},
		{"reset after writing", reset, true, true, true, true},
		{"custom transport, no trace events", reset, false, false, false, true},
	}
	for _, tt := range tests {
		if got := mayHaveSent(tt.err, tt.getConn, tt.gotConn, tt.wrote); got != tt.want {
			t.Errorf("%s: mayHaveSent = %v, want %v", tt.name, got, tt.want)
		}
	}
}
