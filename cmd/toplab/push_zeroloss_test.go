package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/push"
	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/testenv"
)

// zeroLossTenant is one app subscribed to one topic for ten sellers.
func zeroLossTenant() []meta.Object {
	objs := []meta.Object{
		meta.App{Key: "zl-app", Secret: "zl-secret-0001", Status: meta.AppActive},
		meta.Topic{Name: "zl_Numbered"},
		meta.Producer{AppKey: "zl-producer", Topics: []string{"zl_Numbered"}},
		meta.Subscription{AppKey: "zl-app", Topics: []string{"zl_Numbered"}},
	}
	for i := range 10 {
		objs = append(objs, meta.TopicPermit{AppKey: "zl-app", Seller: fmt.Sprintf("zl_seller_%d", i)})
	}
	return objs
}

// Producers publish a numbered stream while the queue's owner node is
// killed with SIGKILL and restarted and clients disconnect at random; after
// draining, every acknowledged message was delivered at least once.
func TestPushZeroLossUnderKillAndDisconnects(t *testing.T) {
	bin := buildToplab(t)
	dir := t.TempDir()
	ctx := t.Context()
	if err := seedObjects(ctx, dir, zeroLossTenant()); err != nil {
		t.Fatal(err)
	}
	sup, err := testenv.NewSupervisor(testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{{
		Name: "push", Count: 2,
		Command: []string{bin, "serve", "push", "-id", "push-${index}", "-nodes", "push-1,push-2",
			"-ws", "127.0.0.1:${port:ws}", "-internal", "127.0.0.1:${port:internal}", "-admin", "127.0.0.1:${port:admin}",
			"-data", dir, "-store-dir", "${data}/messages", "-trade", "", "-ack-timeout", "2s", "-drain", "2s"},
		Ports:  []string{"ws", "internal", "admin"},
		Health: "http://127.0.0.1:${port:admin}/healthz",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sup.Stop(context.Background()) })
	nodes := sup.Nodes()
	history := zeroloss.New()

	// Consumers: three per node, each restarted at random.
	var clientsWG sync.WaitGroup
	var dedupedMu sync.Mutex
	var deduped, sessions uint64
	clientCtx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	for i := range 6 {
		node := nodes[i%2]
		clientsWG.Add(1)
		go func() {
			defer clientsWG.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for clientCtx.Err() == nil {
				c, err := tmcclient.New(tmcclient.Config{
					URL: "ws://" + node.Addr("ws") + "/", AppKey: "zl-app", Secret: "zl-secret-0001",
					ReconnectMin: 50 * time.Millisecond, ReconnectMax: 500 * time.Millisecond, PullInterval: time.Second,
					Handler: func(_ context.Context, m *tmc.Message) error { history.Receive(m.DataID); return nil },
				})
				if err != nil {
					t.Error(err)
					return
				}
				life, cancel := context.WithTimeout(clientCtx, time.Duration(200+rng.IntN(1500))*time.Millisecond)
				c.Run(life) // a random disconnect when life ends
				cancel()
				dedupedMu.Lock()
				deduped += c.Stats().Duplicates
				sessions++
				dedupedMu.Unlock()
			}
		}()
	}

	// The producer: numbered messages, each retried on the other node until
	// acknowledged or the run's time is up.
	const total = 3000
	publish := func(n int64) bool {
		history.Attempt(n)
		body, _ := json.Marshal(map[string]any{"messages": []map[string]any{{
			"topic": "zl_Numbered", "content": json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)), "nick": fmt.Sprintf("zl_seller_%d", n%10),
			"data_id": n, "publisher": "zl-producer", "pub_time_ms": time.Now().UnixMilli(),
		}}})
		for try := 0; try < 200 && ctx.Err() == nil; try++ {
			url := "http://" + nodes[(int(n)+try)%2].Addr("internal") + "/internal/publish"
			res, err := http.Post(url, "application/json", bytes.NewReader(body))
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					history.Ack(n)
					return true
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	owner := nodes[0] // push-1 or push-2 owns zl-app: kill whichever serves it
	for _, n := range nodes {
		if n.Name() == "push-"+ownerIndex("zl-app") {
			owner = n
		}
	}
	var prodWG sync.WaitGroup
	for p := range 4 {
		prodWG.Add(1)
		go func() {
			defer prodWG.Done()
			for n := int64(p + 1); n <= total; n += 4 {
				publish(n)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// Chaos: SIGKILL the owner a third of the way in, restart it a second later.
	for history.Check().Acked < total/3 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := owner.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := owner.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	prodWG.Wait()

	// Drain: every acknowledged message arrives (resends cover the killed
	// node's unconfirmed ones and the clients cut off mid-message).
	deadline := time.Now().Add(60 * time.Second)
	for history.Missing() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stopClients()
	clientsWG.Wait()
	r := history.Check()
	t.Logf("zero-loss check: %s; resends dropped by the clients' dedupe: %d; client sessions: %d; owner %s killed and restarted",
		r, deduped, sessions, owner.Name())
	if r.Acked < total*9/10 {
		t.Errorf("only %d of %d publishes were acknowledged", r.Acked, total)
	}
	if !r.OK() {
		t.Fatalf("lost %d (e.g. %v), unexpected %d", r.Lost, r.LostKeys, r.Unexpected)
	}
}

// ownerIndex is the 1-based index of the node owning app among push-1, push-2.
func ownerIndex(app string) string {
	return push.OwnerOf([]string{"push-1", "push-2"}, app)[len("push-"):]
}
