package sdk

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// RetryPolicy says how often and how long to wait. Which failures are
// retried is fixed by the protocol (see classify):
//
//   - *top.Error: retried when Retryable (code 10 or an isp.* sub-code);
//     never code 7 (flow control: see BanDuration) nor an isv.* sub-code.
//   - the request never completely left the client (dial refused or
//     failed, reset while writing): retried; the gateway cannot have acted.
//   - HTTP 503 without a TOP body: retried; the gateway or its proxy
//     refused the request before running it.
//   - the request was sent but no complete answer came back (reset or EOF
//     while reading, a timeout), or HTTP 502/504 without a TOP body: the call
//     may have run, so it is retried only for idempotent methods.
//   - anything else (bad response, cancelled context, other statuses): never.
//
// A retried call is signed again with a fresh timestamp.
type RetryPolicy struct {
	MaxAttempts int           // attempts per call including the first; default 3; 1 disables retries
	BaseDelay   time.Duration // the first backoff ceiling; default 50 ms
	MaxDelay    time.Duration // the largest backoff ceiling; default 2 s
	// Jitter picks the wait in [0, ceiling]; default uniform ("full jitter").
	Jitter func(ceiling time.Duration) time.Duration
	// Idempotent reports whether running method twice is harmless; it gates
	// the retry of failures that may have reached the platform. Default:
	// the method's last segment is get, search, query or list.
	Idempotent func(method string) bool
}

func (p RetryPolicy) check() error {
	if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
		return errors.New("sdk: retry policy values must not be negative")
	}
	if p.MaxDelay > 0 && p.MaxDelay < p.base() {
		return fmt.Errorf("sdk: retry max delay %s is below the base delay %s", p.MaxDelay, p.base())
	}
	return nil
}

func (p RetryPolicy) attempts() int { return orDefault(p.MaxAttempts, 3) }

func (p RetryPolicy) base() time.Duration {
	if p.BaseDelay <= 0 {
		return 50 * time.Millisecond
	}
	return p.BaseDelay
}

func (p RetryPolicy) max() time.Duration {
	if p.MaxDelay <= 0 {
		return max(2*time.Second, p.base())
	}
	return p.MaxDelay
}

// delay is the wait after the given failed attempt (1-based): exponential
// ceiling base*2^(attempt-1) capped at max, jittered.
func (p RetryPolicy) delay(attempt int) time.Duration {
	ceiling, limit := p.base(), p.max()
	for i := 1; i < attempt && ceiling < limit; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, limit)
	if p.Jitter == nil {
		return rand.N(ceiling + 1)
	}
	return min(max(p.Jitter(ceiling), 0), ceiling)
}

func (p RetryPolicy) idempotent(method string) bool {
	if p.Idempotent != nil {
		return p.Idempotent(method)
	}
	switch method[strings.LastIndexByte(method, '.')+1:] {
	case "get", "search", "query", "list":
		return true
	}
	return false
}

// verdict is what a failure allows.
type verdict uint8

const (
	noRetry           verdict = iota
	retrySafe                 // the platform did not run the call, or asked for a retry
	retryIfIdempotent         // the call may have run
)

// classify applies the rules documented on RetryPolicy.
func classify(err error) verdict {
	var (
		te *top.Error
		tr *TransportError
		se *StatusError
	)
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return noRetry
	case errors.As(err, &te):
		if te.Code == top.CodeAppCallLimited || strings.HasPrefix(te.SubCode, "isv.") || !te.Retryable() {
			return noRetry
		}
		return retrySafe
	case errors.As(err, &tr):
		if tr.Sent {
			return retryIfIdempotent
		}
		return retrySafe
	case errors.As(err, &se):
		switch se.StatusCode {
		case 503:
			return retrySafe
		case 502, 504:
			return retryIfIdempotent
		}
	}
	return noRetry
}

func (v verdict) allows(idempotent bool) bool {
	return v == retrySafe || (v == retryIfIdempotent && idempotent)
}

// withRetry runs try until it succeeds, fails for good or runs out of
// attempts, waiting the backoff between attempts on the client's clock.
func (c *Client) withRetry(ctx context.Context, method string, idempotent bool, try func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sdk: %s: %w", method, err)
		}
		err := try(ctx)
		if err == nil || attempt >= c.retry.attempts() || !classify(err).allows(idempotent) {
			return err
		}
		if werr := c.wait(ctx, c.retry.delay(attempt)); werr != nil {
			return fmt.Errorf("sdk: %s: %w while waiting to retry after: %v", method, werr, err)
		}
	}
}

// wait blocks for d on the client's clock, or until ctx ends.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	return clock.Wait(ctx, c.clock, d)
}
