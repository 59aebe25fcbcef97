package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/top"
)

// 45 calls: three batch requests of 20, 20 and 5, results in input order,
// per-item errors in their own slots.
func TestBatch45CallsThreeRequestsInOrder(t *testing.T) {
	p := newPeer(t, func(c peerCall) reply {
		if i, _ := strconv.Atoi(c.params.Get("i")); i%7 == 3 {
			return reply{err: top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:i", "bad item %d", i)}
		}
		return reply{}
	})
	c := newTestClient(t, p, nil)
	calls := make([]BatchCall, 45)
	for i := range calls {
		calls[i] = BatchCall{Method: "taobao.trade.fullinfo.get", Session: "s-shared",
			Params: map[string]string{"i": strconv.Itoa(i), "fields": "tid,status"}}
		if i%5 == 1 {
			calls[i].Method = "taobao.user.seller.get"
		}
		if i%9 == 2 {
			calls[i].Session = "s-own-" + strconv.Itoa(i)
		}
	}
	res, err := c.Batch(testContext(t), calls)
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	if len(res) != len(calls) {
		t.Fatalf("%d results for %d calls", len(res), len(calls))
	}
	for i, r := range res {
		if i%7 == 3 {
			var te *top.Error
			if !errors.As(r.Err, &te) || te.Code != top.CodeInvalidArguments || te.SubMsg != fmt.Sprintf("bad item %d", i) {
				t.Errorf("slot %d: err = %v, want its own code 41", i, r.Err)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("slot %d: %v", i, r.Err)
			continue
		}
		e := decodeEcho(t, r.Payload)
		if e.Params["i"] != strconv.Itoa(i) || e.Method != calls[i].Method || e.Session != calls[i].Session {
			t.Errorf("slot %d holds %+v", i, e)
		}
	}
	rest, batches, _ := p.counts()
	if rest != 0 || batches != 3 || !slices.Equal(p.sortedBatchSizes(), []int{5, 20, 20}) {
		t.Fatalf("peer saw %d rest and batches of %v", rest, p.sortedBatchSizes())
	}
	// Shared parameters went once in #PUBLIC#.
	bodies, _ := p.batchRequests()
	for _, body := range bodies {
		if !strings.HasPrefix(body, top.PublicMarker) || !strings.Contains(body[:strings.Index(body, top.DefaultSeparator)], "fields=tid%2Cstatus") {
			t.Fatalf("batch body without shared fields in #PUBLIC#: %.120q", body)
		}
		if strings.Count(body, "fields=") != 1 {
			t.Fatalf("shared fields repeated per item: %.200q", body)
		}
	}
}

func TestBatchEncodingSharesMethodAndSession(t *testing.T) {
	c, err := New(Config{URL: "http://127.0.0.1:1", AppKey: "k", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(calls ...BatchCall) ([]batchItem, []int) {
		var items []batchItem
		var pending []int
		for i, bc := range calls {
			it, err := c.batchItemOf(bc)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, it)
			pending = append(pending, i)
		}
		return items, pending
	}
	const S = top.DefaultSeparator
	tests := []struct {
		name        string
		calls       []BatchCall
		body, query string
	}{
		{"all shared", []BatchCall{
			{Method: "a.get", Session: "s", Params: map[string]string{"f": "x", "i": "1"}},
			{Method: "a.get", Session: "s", Params: map[string]string{"f": "x", "i": "2"}},
		}, "#PUBLIC#f=x&method=a.get" + S + "i=1" + S + "i=2", "s"},
		{"own sessions and methods", []BatchCall{
			{Method: "a.get", Session: "s1"},
			{Method: "b.get", Session: "s2", Params: map[string]string{"q": "a b"}},
			{Method: "b.get"},
		}, "method=a.get&session=s1" + S + "method=b.get&q=a+b&session=s2" + S + "method=b.get", ""},
		{"an item with nothing left", []BatchCall{
			{Method: "a.get", Params: map[string]string{"f": "x"}},
			{Method: "a.get", Params: map[string]string{"f": "x"}},
		}, "#PUBLIC#f=x&method=a.get" + S + "N" + S + "N", ""},
		{"one call", []BatchCall{{Method: "a.get", Session: "s", Params: map[string]string{"f": "x"}}},
			"f=x&method=a.get", "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, session := c.encodeBatch(mk(tt.calls...))
			if string(body) != tt.body || session != tt.query {
				t.Fatalf("body %q session %q\nwant %q session %q", body, session, tt.body, tt.query)
			}
		})
	}
}

func TestBatchCustomSeparator(t *testing.T) {
	const sep = "|--toplab--|"
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.BatchSeparator = sep; cfg.SignMethod = top.SignHMACSHA256 })
	calls := []BatchCall{{Method: "a.b.get", Params: map[string]string{"x": "1"}}, {Method: "a.b.get", Params: map[string]string{"x": "2"}}}
	res, err := c.Batch(testContext(t), calls)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || decodeEcho(t, r.Payload).Params["x"] != strconv.Itoa(i+1) {
			t.Fatalf("slot %d: %s %v", i, r.Payload, r.Err)
		}
	}
	if _, seps := p.batchRequests(); len(seps) != 1 || seps[0] != sep {
		t.Fatalf("separator header %q", seps)
	}
}

// Only the items that failed retryably go again, in a smaller batch.
func TestBatchRetriesOnlyRetryableItems(t *testing.T) {
	var tries [5]atomic.Int32
	p := newPeer(t, func(c peerCall) reply {
		i, _ := strconv.Atoi(c.params.Get("i"))
		n := tries[i].Add(1)
		switch {
		case i == 1 && n == 1:
			return reply{err: top.NewError(top.CodeRemoteServiceError, "isp.remote-service-timeout", "")}
		case i == 3:
			return reply{err: top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter", "")}
		}
		return reply{}
	})
	c := newTestClient(t, p, func(cfg *Config) { cfg.Retry = fastRetry })
	calls := make([]BatchCall, 5)
	for i := range calls {
		calls[i] = BatchCall{Method: "taobao.trade.memo.update", Params: map[string]string{"i": strconv.Itoa(i)}}
	}
	res, err := c.Batch(testContext(t), calls)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if (i == 3) != (r.Err != nil) {
			t.Errorf("slot %d: %v", i, r.Err)
		}
	}
	if !slices.Equal(p.sortedBatchSizes(), []int{1, 5}) {
		t.Fatalf("batches %v, want 5 then the 1 retryable item", p.sortedBatchSizes())
	}
	if tries[3].Load() != 1 || tries[1].Load() != 2 {
		t.Fatalf("item tries: isv %d, isp %d", tries[3].Load(), tries[1].Load())
	}
}

func TestBatchWholeFailures(t *testing.T) {
	tests := []struct {
		name     string
		reply    func(n int) *reply // by batch request number
		requests int
		check    func(error) bool
		ok       bool
	}{
		{"flow control, no retry", func(int) *reply {
			return &reply{err: top.Errorf(top.CodeAppCallLimited, top.SubAppAccessCount, "This ban will last for 9 more seconds")}
		}, 1, func(err error) bool { d, ok := BanDuration(err); return ok && d == 9*time.Second }, false},
		{"unavailable, then fine", func(n int) *reply {
			if n == 1 {
				return &reply{err: top.NewError(top.CodeServiceUnavailable, "", "")}
			}
			return nil
		}, 2, nil, true},
		{"wrong number of parts", func(int) *reply {
			return &reply{raw: `{"a_b_get_response":{}}` + top.DefaultSeparator + `{"a_b_get_response":{}}`}
		}, 1, func(err error) bool { return errors.Is(err, ErrBadResponse) }, false},
		{"503 page, writes retried", func(n int) *reply {
			if n == 1 {
				return &reply{status: 503, raw: "busy"}
			}
			return nil
		}, 2, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			p := newPeer(t, nil)
			p.batchReply = func(int) *reply { return tt.reply(int(n.Add(1))) }
			c := newTestClient(t, p, func(cfg *Config) { cfg.Retry = fastRetry })
			calls := []BatchCall{{Method: "a.b.update"}, {Method: "a.b.update"}, {Method: "a.b.update"}}
			res, err := c.Batch(testContext(t), calls)
			if _, batches, _ := p.counts(); batches != tt.requests {
				t.Fatalf("%d batch requests, want %d", batches, tt.requests)
			}
			if tt.ok {
				if err != nil {
					t.Fatalf("Batch: %v", err)
				}
				for i, r := range res {
					if r.Err != nil {
						t.Fatalf("slot %d: %v", i, r.Err)
					}
				}
				return
			}
			if !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			for i, r := range res {
				if !tt.check(r.Err) {
					t.Fatalf("slot %d: %v, want the whole-batch error", i, r.Err)
				}
			}
		})
	}
}

func TestBatchInvalidCallsFailInTheirSlots(t *testing.T) {
	p := newPeer(t, nil)
	c := newTestClient(t, p, nil)
	res, err := c.Batch(testContext(t), []BatchCall{
		{Method: "a.b.get"}, {Method: ""}, {Method: "a.b.get", Params: map[string]string{"sign": "x"}}, {Method: "a.b.get"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[3].Err != nil || res[1].Err == nil || !errors.Is(res[2].Err, ErrReservedParam) {
		t.Fatalf("results %+v", res)
	}
	if got := p.sortedBatchSizes(); !slices.Equal(got, []int{2}) {
		t.Fatalf("batches %v", got)
	}
	if res, err := c.Batch(testContext(t), nil); err != nil || len(res) != 0 {
		t.Fatalf("empty batch: %v %v", res, err)
	}
}

func TestBatchCancelled(t *testing.T) {
	started := make(chan struct{})
	var once atomic.Bool
	p := newPeer(t, func(c peerCall) reply {
		if once.CompareAndSwap(false, true) {
			close(started)
		}
		<-c.ctx.Done()
		return reply{}
	})
	c := newTestClient(t, p, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	calls := make([]BatchCall, 30)
	for i := range calls {
		calls[i] = BatchCall{Method: "a.b.get"}
	}
	done := make(chan error, 1)
	var res []BatchResult
	go func() {
		var err error
		res, err = c.Batch(ctx, calls)
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	for i, r := range res {
		if !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("slot %d: %v", i, r.Err)
		}
	}
}

// A batch request that may have run (the connection dropped after it was
// sent) is retried for its idempotent items only.
func TestBatchAmbiguousFailureRetriesReadsOnly(t *testing.T) {
	var n atomic.Int32
	p := newPeer(t, nil)
	p.batchReply = func(int) *reply {
		if n.Add(1) == 1 {
			return &reply{hangup: true}
		}
		return nil
	}
	c := newTestClient(t, p, func(cfg *Config) { cfg.Retry = fastRetry })
	calls := []BatchCall{{Method: "a.trade.get"}, {Method: "a.memo.update"}, {Method: "a.items.search"}}
	res, err := c.Batch(testContext(t), calls)
	if !isSent(true)(err) {
		t.Fatalf("Batch: %v, want the dropped request's error (the write ended with it)", err)
	}
	if res[0].Err != nil || res[2].Err != nil || !isSent(true)(res[1].Err) {
		t.Fatalf("results %+v", res)
	}
	if got := p.sortedBatchSizes(); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("batches %v, want 3 then the 2 reads", got)
	}
}
