package backend

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// The zero config works: a temporary data folder that Close removes.
func TestZeroConfigNode(t *testing.T) {
	n, err := New(Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	dir := n.DataDir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data dir: %v", err)
	}
	mustCreate(t, n.Trades(), DemoSeller)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("temporary data dir left behind: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := n.Trades().Create(context.Background(), NewTrade{SellerNick: "a", BuyerNick: "b"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("create after close: %v", err)
	}
}

// Two nodes in one process share nothing: orders, logs, metrics.
func TestTwoNodesDoNotInterfere(t *testing.T) {
	a, _ := newTestNode(t, Config{})
	b, _ := newTestNode(t, Config{})
	va := mustCreate(t, a.Trades(), DemoSeller)
	if _, err := b.Trades().Get(context.Background(), va.Trade.Tid); !errors.Is(err, ErrTradeNotFound) {
		t.Fatalf("b sees a's order: %v", err)
	}
	if a.Trades().LastSeq() != 1 || b.Trades().LastSeq() != 0 {
		t.Fatalf("seqs %d %d", a.Trades().LastSeq(), b.Trades().LastSeq())
	}
	callAPI(t, a.Handler(), MethodUserSellerGet, DemoSeller, form("fields", "nick"))
	if h := histogram(t, a, MethodUserSellerGet); h.GetSampleCount() != 1 {
		t.Fatalf("a counted %d", h.GetSampleCount())
	}
	if h := histogram(t, b, MethodUserSellerGet); h.GetSampleCount() != 0 {
		t.Fatalf("b counted a's call: %d", h.GetSampleCount())
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{Sellers: -1},
		{ItemsPerSeller: 10_001},
		{MaxBodyBytes: -1},
		{MaxChangeWait: -time.Second},
		{Latency: LatencyConfig{Services: map[string]Latency{"trade": {P50: 2, P99: 1}}}},
	}
	for _, c := range bad {
		c.Logger = quietLogger()
		if n, err := New(c); err == nil {
			n.Close()
			t.Errorf("%+v accepted", c)
		}
	}
}

// A node behind a real server: keep-alive POSTs with identity headers.
func TestNodeOverRealHTTP(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	srv := httptest.NewServer(n.Handler())
	srv.Config.RegisterOnShutdown(n.Drain)
	defer srv.Close()
	v := mustCreate(t, n.Trades(), DemoSeller)
	req, err := http.NewRequest(http.MethodPost, srv.URL+APIPathPrefix+MethodTradeFullinfoGet,
		strings.NewReader(form("tid", itoa(v.Trade.Tid), "fields", "tid,status").Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(HeaderUserNick, DemoSeller)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Trade Trade }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Trade.Tid != v.Trade.Tid || out.Trade.Status != StatusWaitBuyerPay {
		t.Fatalf("%d %v %+v", resp.StatusCode, err, out)
	}
}

// echoService is a stub Service: it returns its parameters.
type echoService struct{ name string }

func (e echoService) Name() string      { return "echo" }
func (e echoService) Methods() []string { return []string{e.name} }
func (e echoService) Call(_ context.Context, req *Request, dst []byte) ([]byte, error) {
	out, err := json.Marshal(map[string]string{"got": req.Params.Get("x"), "nick": req.UserNick})
	return append(dst, out...), err
}

func TestExtraServices(t *testing.T) {
	n, _ := newTestNode(t, Config{Services: []Service{echoService{"toplab.echo.get"}}})
	status, body := callAPI(t, n.Handler(), "toplab.echo.get", "bob", form("x", "1"))
	if status != 200 || string(body) != `{"got":"1","nick":"bob"}` {
		t.Fatalf("%d %s", status, body)
	}
	if _, err := New(Config{Logger: quietLogger(), Services: []Service{echoService{MethodItemGet}}}); err == nil {
		t.Fatal("a method served twice was accepted")
	}
}
