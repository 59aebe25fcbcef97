package backend

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestFullinfoGet(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	mine := mustCreate(t, n.Trades(), DemoSeller)
	theirs := mustCreate(t, n.Trades(), SellerNick(1))
	tid := itoa(mine.Trade.Tid)

	tests := []struct {
		name     string
		nick     string
		params   url.Values
		status   int
		code     int
		subCode  string
		wantKeys []string
	}{
		{"fields trimmed in document order", DemoSeller, form("tid", tid, "fields", "status,tid,seller_nick"), 200, 0, "", []string{"tid", "status", "seller_nick"}},
		{"unknown and duplicate fields ignored", DemoSeller, form("tid", tid, "fields", " payment ,nope,payment,orders"), 200, 0, "", []string{"payment", "orders"}},
		{"embedded receiver fields", DemoSeller, form("tid", tid, "fields", "receiver_city,modified"), 200, 0, "", []string{"modified", "receiver_city"}},
		{"missing tid", DemoSeller, form("fields", "tid"), 400, 40, "isv.missing-parameter:tid", nil},
		{"tid not a number", DemoSeller, form("tid", "12x", "fields", "tid"), 400, 41, "isv.invalid-parameter:tid", nil},
		{"tid negative", DemoSeller, form("tid", "-5", "fields", "tid"), 400, 41, "isv.invalid-parameter:tid", nil},
		{"missing fields", DemoSeller, form("tid", tid), 400, 40, "isv.missing-parameter:fields", nil},
		{"no known field", DemoSeller, form("tid", tid, "fields", "a,b"), 400, 41, "isv.invalid-parameter:fields", nil},
		{"unknown tid", DemoSeller, form("tid", "99", "fields", "tid"), 404, 15, "isv.trade-not-exist", nil},
		{"other seller's trade", DemoSeller, form("tid", itoa(theirs.Trade.Tid), "fields", "tid"), 404, 15, "isv.trade-not-exist", nil},
		{"no user", "", form("tid", tid, "fields", "tid"), 401, 26, "isv.missing-session", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := callAPI(t, n.Handler(), MethodTradeFullinfoGet, tt.nick, tt.params)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.status != 200 {
				e := decodeTopError(t, body)
				if e.Code != tt.code || e.SubCode != tt.subCode {
					t.Fatalf("error %d %s, want %d %s", e.Code, e.SubCode, tt.code, tt.subCode)
				}
				return
			}
			var out struct{ Trade json.RawMessage }
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if keys := objectKeys(t, out.Trade); !slices.Equal(keys, tt.wantKeys) {
				t.Fatalf("keys %v, want %v", keys, tt.wantKeys)
			}
		})
	}
}

// Another seller's order and a missing one are indistinguishable.
func TestFullinfoOwnershipLooksLikeMissing(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	theirs := mustCreate(t, n.Trades(), SellerNick(1))
	_, foreign := callAPI(t, n.Handler(), MethodTradeFullinfoGet, DemoSeller, form("tid", itoa(theirs.Trade.Tid), "fields", "tid"))
	_, missing := callAPI(t, n.Handler(), MethodTradeFullinfoGet, DemoSeller, form("tid", "424242", "fields", "tid"))
	if !bytes.Equal(foreign, missing) {
		t.Fatalf("foreign %s differs from missing %s", foreign, missing)
	}
	status, _ := callAPI(t, n.Handler(), MethodTradeFullinfoGet, SellerNick(1), form("tid", itoa(theirs.Trade.Tid), "fields", "tid"))
	if status != 200 {
		t.Fatalf("owner got %d", status)
	}
}

// Asking for every field returns the stored version byte for byte, so its
// hash is the version hash.
func TestFullinfoAllFieldsIsTheVersion(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	v := mustApply(t, n.Trades(), mustCreate(t, n.Trades(), DemoSeller).Trade.Tid, Event{Kind: EventPay})
	all := ""
	for i, f := range tradeFields {
		if i > 0 {
			all += ","
		}
		all += f
	}
	status, body := callAPI(t, n.Handler(), MethodTradeFullinfoGet, DemoSeller, form("tid", itoa(v.Trade.Tid), "fields", all))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var out struct{ Trade json.RawMessage }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if HashDoc(out.Trade) != v.Hash {
		t.Fatalf("hash of served trade differs from the version's:\n%s\n%s", out.Trade, v.Doc)
	}
	var tr Trade
	if err := json.Unmarshal(out.Trade, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Status != StatusWaitSellerSendGoods || tr.PayTime.IsZero() || tr.Modified.String() != "2026-11-11 00:00:01" {
		t.Fatalf("unexpected trade %+v", tr)
	}
}

type soldPage struct {
	Trades struct {
		Trade []Trade `json:"trade"`
	} `json:"trades"`
	TotalResults *int `json:"total_results"`
	HasNext      bool `json:"has_next"`
}

func callSold(t *testing.T, n *Node, method, nick string, params url.Values) soldPage {
	t.Helper()
	status, body := callAPI(t, n.Handler(), method, nick, params)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var p soldPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func tidsOf(p soldPage) []int64 {
	var out []int64
	for _, tr := range p.Trades.Trade {
		out = append(out, tr.Tid)
	}
	return out
}

func TestTradesSoldGetPagingAndFilters(t *testing.T) {
	n, fake := newTestNode(t, Config{})
	var tids []int64 // demo_seller's, created one second apart
	for range 5 {
		tids = append(tids, mustCreate(t, n.Trades(), DemoSeller).Trade.Tid)
		fake.Advance(time.Second)
	}
	mustCreate(t, n.Trades(), SellerNick(1))
	mustApply(t, n.Trades(), tids[0], Event{Kind: EventPay})
	mustApply(t, n.Trades(), tids[1], Event{Kind: EventClose})
	at := func(sec int) string { return TimestampOf(epoch.Add(time.Duration(sec) * time.Second)).String() }

	tests := []struct {
		name    string
		params  url.Values
		want    []int64
		total   int
		hasNext bool
	}{
		{"first page newest first", form("fields", "tid", "page_size", "2"), []int64{tids[4], tids[3]}, 5, true},
		{"last partial page", form("fields", "tid", "page_size", "2", "page_no", "3"), []int64{tids[0]}, 5, false},
		{"past the end", form("fields", "tid", "page_size", "2", "page_no", "4"), nil, 5, false},
		{"created window inclusive", form("fields", "tid", "start_created", at(1), "end_created", at(3)), []int64{tids[3], tids[2], tids[1]}, 3, false},
		{"open-ended start", form("fields", "tid", "start_created", at(4)), []int64{tids[4]}, 1, false},
		{"status", form("fields", "tid", "status", StatusWaitSellerSendGoods), []int64{tids[0]}, 1, false},
		{"status group", form("fields", "tid", "status", "ALL_CLOSED"), []int64{tids[1]}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := callSold(t, n, MethodTradesSoldGet, DemoSeller, tt.params)
			if got := tidsOf(p); !slices.Equal(got, tt.want) {
				t.Fatalf("tids %v, want %v", got, tt.want)
			}
			if p.TotalResults == nil || *p.TotalResults != tt.total || p.HasNext != tt.hasNext {
				t.Fatalf("total %v has_next %v, want %d %v", p.TotalResults, p.HasNext, tt.total, tt.hasNext)
			}
		})
	}

	t.Run("use_has_next skips the count", func(t *testing.T) {
		p := callSold(t, n, MethodTradesSoldGet, DemoSeller, form("fields", "tid", "page_size", "4", "use_has_next", "true"))
		if p.TotalResults != nil || !p.HasNext || len(p.Trades.Trade) != 4 {
			t.Fatalf("got %d trades, total %v, has_next %v", len(p.Trades.Trade), p.TotalResults, p.HasNext)
		}
		p = callSold(t, n, MethodTradesSoldGet, DemoSeller, form("fields", "tid", "page_size", "5", "use_has_next", "true"))
		if p.HasNext || len(p.Trades.Trade) != 5 {
			t.Fatalf("exact last page: %d trades, has_next %v", len(p.Trades.Trade), p.HasNext)
		}
	})
	t.Run("each trade trimmed", func(t *testing.T) {
		_, body := callAPI(t, n.Handler(), MethodTradesSoldGet, DemoSeller, form("fields", "tid,status", "page_size", "1"))
		var raw struct {
			Trades struct{ Trade []json.RawMessage } `json:"trades"`
		}
		if err := json.Unmarshal(body, &raw); err != nil || len(raw.Trades.Trade) != 1 {
			t.Fatalf("%v: %s", err, body)
		}
		if keys := objectKeys(t, raw.Trades.Trade[0]); !slices.Equal(keys, []string{"tid", "status"}) {
			t.Fatalf("keys %v", keys)
		}
	})
}

func TestTradesSoldGetBadInput(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tests := []struct {
		name    string
		method  string
		params  url.Values
		subCode string
	}{
		{"page_size over 100", MethodTradesSoldGet, form("fields", "tid", "page_size", "101"), "isv.invalid-parameter:page_size"},
		{"page_size zero", MethodTradesSoldGet, form("fields", "tid", "page_size", "0"), "isv.invalid-parameter:page_size"},
		{"page_no zero", MethodTradesSoldGet, form("fields", "tid", "page_no", "0"), "isv.invalid-parameter:page_no"},
		{"unknown status", MethodTradesSoldGet, form("fields", "tid", "status", "SHIPPED"), "isv.invalid-parameter:status"},
		{"bad time", MethodTradesSoldGet, form("fields", "tid", "start_created", "2026-11-11"), "isv.invalid-parameter:start_created"},
		{"end before start", MethodTradesSoldGet, form("fields", "tid", "start_created", "2026-11-11 00:00:02", "end_created", "2026-11-11 00:00:01"), "isv.invalid-parameter:end_created"},
		{"bad use_has_next", MethodTradesSoldGet, form("fields", "tid", "use_has_next", "yes"), "isv.invalid-parameter:use_has_next"},
		{"missing fields", MethodTradesSoldGet, form(), "isv.missing-parameter:fields"},
		{"increment needs start", MethodTradesSoldIncrementGet, form("fields", "tid", "end_modified", "2026-11-11 00:00:00"), "isv.missing-parameter:start_modified"},
		{"increment needs end", MethodTradesSoldIncrementGet, form("fields", "tid", "start_modified", "2026-11-11 00:00:00"), "isv.missing-parameter:end_modified"},
		{"increment over one day", MethodTradesSoldIncrementGet, form("fields", "tid", "start_modified", "2026-11-11 00:00:00", "end_modified", "2026-11-12 00:00:01"), "isv.invalid-parameter:end_modified"},
		{"increment over ten thousand years", MethodTradesSoldIncrementGet, form("fields", "tid", "start_modified", "0000-01-01 00:00:00", "end_modified", "9999-12-31 23:59:59"), "isv.invalid-parameter:end_modified"},
		{"increment backwards", MethodTradesSoldIncrementGet, form("fields", "tid", "start_modified", "2026-11-11 00:00:01", "end_modified", "2026-11-11 00:00:00"), "isv.invalid-parameter:end_modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := callAPI(t, n.Handler(), tt.method, DemoSeller, tt.params)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			if e := decodeTopError(t, body); e.SubCode != tt.subCode {
				t.Fatalf("sub_code %s, want %s", e.SubCode, tt.subCode)
			}
		})
	}
	t.Run("exactly one day is allowed", func(t *testing.T) {
		callSold(t, n, MethodTradesSoldIncrementGet, DemoSeller, form("fields", "tid", "start_modified", "2026-11-11 00:00:00", "end_modified", "2026-11-12 00:00:00"))
	})
}

// The boundary second: an order modified exactly at a window's start or end
// is in the window, so adjacent windows [a, b] and [b, c] both return it.
func TestIncrementWindowBoundarySecond(t *testing.T) {
	n, fake := newTestNode(t, Config{})
	before := mustCreate(t, n.Trades(), DemoSeller) // modified 00:00:00
	fake.Advance(10 * time.Second)
	onB := mustCreate(t, n.Trades(), DemoSeller) // modified 00:00:10: the boundary b
	fake.Advance(time.Second)
	after := mustCreate(t, n.Trades(), DemoSeller) // modified 00:00:11
	mustCreate(t, n.Trades(), SellerNick(1))       // another seller's, never returned
	if onB.Trade.Modified.String() != "2026-11-11 00:00:10" {
		t.Fatalf("setup: modified %s", onB.Trade.Modified)
	}
	tests := []struct {
		name       string
		start, end string
		want       []int64
	}{
		{"window ending on b", "2026-11-11 00:00:00", "2026-11-11 00:00:10", []int64{before.Trade.Tid, onB.Trade.Tid}},
		{"window starting on b", "2026-11-11 00:00:10", "2026-11-11 00:00:20", []int64{onB.Trade.Tid, after.Trade.Tid}},
		{"single-second window", "2026-11-11 00:00:10", "2026-11-11 00:00:10", []int64{onB.Trade.Tid}},
		{"the second before b", "2026-11-11 00:00:01", "2026-11-11 00:00:09", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := callSold(t, n, MethodTradesSoldIncrementGet, DemoSeller, form("fields", "tid,modified", "start_modified", tt.start, "end_modified", tt.end))
			if got := tidsOf(p); !slices.Equal(got, tt.want) {
				t.Fatalf("tids %v, want %v (oldest modified first)", got, tt.want)
			}
		})
	}
	// A later change moves an order to the window of its new modified.
	fake.Advance(time.Minute)
	mustApply(t, n.Trades(), before.Trade.Tid, Event{Kind: EventPay})
	p := callSold(t, n, MethodTradesSoldIncrementGet, DemoSeller, form("fields", "tid", "start_modified", "2026-11-11 00:00:00", "end_modified", "2026-11-11 00:00:10"))
	if got := tidsOf(p); !slices.Equal(got, []int64{onB.Trade.Tid}) {
		t.Fatalf("after the change: %v", got)
	}
	p = callSold(t, n, MethodTradesSoldIncrementGet, DemoSeller, form("fields", "tid", "start_modified", "2026-11-11 00:01:00", "end_modified", "2026-11-11 00:02:00", "status", StatusWaitSellerSendGoods))
	if got := tidsOf(p); !slices.Equal(got, []int64{before.Trade.Tid}) {
		t.Fatalf("new window: %v", got)
	}
}

func TestIncrementPagingCoversEveryOrderOnce(t *testing.T) {
	n, fake := newTestNode(t, Config{})
	var want []int64
	for i := range 7 {
		want = append(want, mustCreate(t, n.Trades(), DemoSeller).Trade.Tid)
		if i%3 == 2 {
			fake.Advance(time.Second) // several orders share a second
		}
	}
	var got []int64
	for page := 1; ; page++ {
		p := callSold(t, n, MethodTradesSoldIncrementGet, DemoSeller, form("fields", "tid", "page_size", "3", "page_no", itoa(int64(page)),
			"start_modified", "2026-11-11 00:00:00", "end_modified", "2026-11-11 01:00:00"))
		got = append(got, tidsOf(p)...)
		if !p.HasNext {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}
