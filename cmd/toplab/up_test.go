package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/sdk"
	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/system/top"
)

// buildToplab builds the binary once per test run.
func buildToplab(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the whole system; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "toplab")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// `toplab up` serves the demo tenant: a call signed by each method succeeds,
// a wrong sign is code 25, a batch of three answers three results in order;
// `toplab down` stops every process.
func TestUpServesTheDemoTenant(t *testing.T) {
	bin := buildToplab(t)
	dir := filepath.Join(t.TempDir(), "data")
	up := exec.Command(bin, "up", "-ports", "auto", "-data", dir)
	stdout, _ := up.StdoutPipe()
	var stderr strings.Builder
	up.Stderr = &stderr
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Process.Kill(); up.Wait() })
	banner := bufio.NewScanner(stdout)
	if !banner.Scan() || !strings.Contains(banner.Text(), "toplab is up") {
		t.Fatalf("no banner: %q\n%s", banner.Text(), stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	st, err := readUpState(dir)
	if err != nil {
		t.Fatal(err)
	}
	gatewayBase := strings.TrimSuffix(st.Endpoints["gateway"], "/router/rest")
	ctx := t.Context()

	var tid string
	for _, m := range []top.SignMethod{top.SignMD5, top.SignHMAC, top.SignHMACSHA256} {
		c, err := sdk.New(sdk.Config{URL: gatewayBase, AppKey: meta.DemoAppKey, Secret: meta.DemoSecret, SignMethod: m})
		if err != nil {
			t.Fatal(err)
		}
		payload, err := c.Call(ctx, "taobao.trades.sold.get", map[string]string{"fields": "tid,status,seller_nick"}, meta.DemoSession)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		var sold struct {
			Trades struct {
				Trade []struct {
					Tid        json.Number `json:"tid"`
					SellerNick string      `json:"seller_nick"`
				} `json:"trade"`
			} `json:"trades"`
		}
		if err := json.Unmarshal(payload, &sold); err != nil || len(sold.Trades.Trade) == 0 || sold.Trades.Trade[0].SellerNick != meta.DemoSeller {
			t.Fatalf("%s: demo orders missing: %s (%v)", m, payload, err)
		}
		tid = sold.Trades.Trade[0].Tid.String()
	}

	// A wrong sign.
	c, _ := sdk.New(sdk.Config{URL: gatewayBase, AppKey: meta.DemoAppKey, Secret: "wrong-secret"})
	_, err = c.Call(ctx, "taobao.trade.fullinfo.get", map[string]string{"tid": tid}, meta.DemoSession)
	var te *top.Error
	if !errors.As(err, &te) || te.Code != top.CodeInvalidSignature {
		t.Fatalf("wrong sign: %v", err)
	}

	// A batch of three, in order.
	c, _ = sdk.New(sdk.Config{URL: gatewayBase, AppKey: meta.DemoAppKey, Secret: meta.DemoSecret})
	results, err := c.Batch(ctx, []sdk.BatchCall{
		{Method: "taobao.trade.fullinfo.get", Params: map[string]string{"tid": tid, "fields": "tid,status"}, Session: meta.DemoSession},
		{Method: "taobao.user.seller.get", Params: map[string]string{"fields": "nick"}, Session: meta.DemoSession},
		{Method: "taobao.item.get", Params: map[string]string{"num_iid": "0"}},
	})
	if err != nil || len(results) != 3 {
		t.Fatalf("batch: %d results, %v", len(results), err)
	}
	if results[0].Err != nil || !strings.Contains(string(results[0].Payload), tid) {
		t.Fatalf("batch item 0: %s %v", results[0].Payload, results[0].Err)
	}
	if results[1].Err != nil || !strings.Contains(string(results[1].Payload), meta.DemoSeller) {
		t.Fatalf("batch item 1: %s %v", results[1].Payload, results[1].Err)
	}
	if !errors.As(results[2].Err, &te) {
		t.Fatalf("batch item 2 (no such item) should fail on its own: %s %v", results[2].Payload, results[2].Err)
	}

	checkUpMessaging(t, st, gatewayBase)
	checkUpSync(t, st)

	// status, then down.
	if code, out, errOut := runCLI(t, "status", "-data", dir); code != 0 || !strings.Contains(out, "gateway") {
		t.Fatalf("status: %d %s %s", code, out, errOut)
	}
	assertRawSign25(t, st.Endpoints["gateway"])
	if code, out, errOut := runCLI(t, "down", "-data", dir); code != 0 {
		t.Fatalf("down: %d %s %s", code, out, errOut)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- up.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("up exited with %v\n%s", err, stderr.String())
		}
	case <-waitCtx.Done():
		t.Fatal("up did not exit after down")
	}
	for _, n := range st.Nodes {
		if processAlive(n.PID) {
			t.Errorf("node %s (pid %d) survived down", n.Name, n.PID)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, upStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("up.json left behind: %v", err)
	}
}

// assertRawSign25 checks the wire answer of a tampered request directly.
func assertRawSign25(t *testing.T, endpoint string) {
	t.Helper()
	form := url.Values{"method": {"taobao.user.seller.get"}, "app_key": {meta.DemoAppKey}, "session": {meta.DemoSession},
		"timestamp": {top.FormatTimestamp(time.Now())}, "v": {"2.0"}, "format": {"json"}, "sign": {"0123456789ABCDEF0123456789ABCDEF"}}
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"code":25`) {
		t.Fatalf("tampered sign answered %s", b)
	}
}

// checkUpMessaging: the demo orders' changes reach a TMC client of the demo
// app on the second push node, the seller's permit shows through the
// gateway, and a message produced through the gateway arrives too.
func checkUpMessaging(t *testing.T, st upState, gatewayBase string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	got := make(chan *tmc.Message, 1000)
	client, err := tmcclient.New(tmcclient.Config{URL: st.Endpoints["push (2nd)"], AppKey: meta.DemoAppKey, Secret: meta.DemoSecret,
		Handler: func(_ context.Context, m *tmc.Message) error { got <- m; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	go client.Run(ctx)
	var created bool
	for !created {
		select {
		case m := <-got:
			created = m.Topic == "taobao_trade_TradeCreate" && m.Nick == meta.DemoSeller && strings.Contains(m.Content, `"tid"`)
		case <-ctx.Done():
			t.Fatalf("no TradeCreate message of the demo orders reached the client: %+v", client.Stats())
		}
	}
	c, _ := sdk.New(sdk.Config{URL: gatewayBase, AppKey: meta.DemoAppKey, Secret: meta.DemoSecret})
	payload, err := c.Call(ctx, "taobao.tmc.user.get", map[string]string{"nick": meta.DemoSeller}, "")
	if err != nil || !strings.Contains(string(payload), `"is_valid":true`) {
		t.Fatalf("tmc.user.get: %s %v", payload, err)
	}
	if _, err := c.Call(ctx, "taobao.tmc.message.produce", map[string]string{"topic": meta.DemoTopic, "content": `{"hello":"up"}`}, meta.DemoSession); err != nil {
		t.Fatalf("tmc.message.produce: %v", err)
	}
	// The push node's metrics are served whole (a duplicate collector makes
	// the handler answer 500 with "was collected before").
	res, err := http.Get(st.Endpoints["push admin"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "toplab_push_routed_total") {
		t.Fatalf("push /metrics: %d %.300s", res.StatusCode, body)
	}
	for {
		select {
		case m := <-got:
			if m.Topic == meta.DemoTopic {
				if m.Publisher != meta.DemoAppKey || m.Content != `{"hello":"up"}` {
					t.Fatalf("produced message: %+v", m)
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("the produced message did not arrive")
		}
	}
}

// checkUpSync: the sync workers copy every demo order into the seller
// database (jdp_tb_trade), identical to the trade centre's version.
func checkUpSync(t *testing.T, st upState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	db, err := sellerdb.Open(ctx, sellerdb.Config{DSN: st.Endpoints["seller db"]})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rep zeroloss.OrderReport
	for {
		rep, err = zeroloss.CheckOrders(ctx, st.Endpoints["backend"], db, nil)
		if err == nil && rep.Pass() && rep.Orders > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the seller database never matched the trade centre: %s %+v (err %v)", rep, rep.Diffs, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
