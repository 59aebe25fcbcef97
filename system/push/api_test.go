package push

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
)

// callAPI calls a TOP API on the node as the gateway would.
func callAPI(t *testing.T, n *Node, app, nick, method string, params url.Values) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, backend.APIPathPrefix+method, strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(backend.HeaderAppKey, app)
	if nick != "" {
		req.Header.Set(backend.HeaderUserNick, nick)
		req.Header.Set(backend.HeaderUserID, "77")
	}
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %v: %s", method, err, rec.Body.String())
	}
	return rec.Code, out
}

func TestRESTPullConsumeAndConfirm(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	// A long poll waits for the message published while it waits.
	type result struct {
		code int
		out  map[string]any
	}
	done := make(chan result)
	go func() {
		code, out := callAPI(t, n, "a1", "", "taobao.tmc.messages.consume", url.Values{"quantity": {"10"}, "wait": {"10"}})
		done <- result{code, out}
	}()
	eventually(t, "the long poll to wait", func() bool {
		n.owner.mu.Lock()
		defer n.owner.mu.Unlock()
		return n.owner.queues["a1/default"] != nil
	})
	if _, err := n.Publish(context.Background(), []Message{msgFor("t1", "small", 5, tc.clock)}); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not return")
	}
	msgs := r.out["messages"].(map[string]any)["tmc_message"].([]any)
	if r.code != 200 || len(msgs) != 1 {
		t.Fatalf("consume: %d %v", r.code, r.out)
	}
	m := msgs[0].(map[string]any)
	if m["topic"] != "t1" || m["user_nick"] != "small" || m["pub_app_key"] != "p" || m["data_id"] != 5.0 || m["pub_time"] == "" {
		t.Fatalf("message: %v", m)
	}
	id := strconv.FormatInt(int64(m["id"].(float64)), 10)
	// Leased: a second consume gets nothing until the ack timeout.
	if _, out := callAPI(t, n, "a1", "", "taobao.tmc.messages.consume", nil); len(out["messages"].(map[string]any)["tmc_message"].([]any)) != 0 {
		t.Fatalf("a leased message was handed out twice: %v", out)
	}
	if code, out := callAPI(t, n, "a1", "", "taobao.tmc.messages.confirm", url.Values{"s_message_ids": {id}}); code != 200 || out["is_success"] != true {
		t.Fatalf("confirm: %d %v", code, out)
	}
	if n.owner.Backlog("a1/default") != 0 {
		t.Fatal("confirmed message still stored as unconfirmed")
	}
}

func TestRESTInputErrors(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	for _, tt := range []struct {
		method, app, nick string
		params            url.Values
		sub               string
	}{
		{"taobao.tmc.messages.consume", "a1", "", url.Values{"quantity": {"500"}}, "isv.invalid-parameter:quantity"},
		{"taobao.tmc.messages.consume", "a1", "", url.Values{"wait": {"31"}}, "isv.invalid-parameter:wait"},
		{"taobao.tmc.messages.consume", "a1", "", url.Values{"group_name": {"nope"}}, "isv.invalid-parameter:group_name"},
		{"taobao.tmc.messages.consume", "p", "", nil, "isv.tmc-not-subscribed"},
		{"taobao.tmc.messages.confirm", "a1", "", nil, "isv.missing-parameter:s_message_ids"},
		{"taobao.tmc.messages.confirm", "a1", "", url.Values{"s_message_ids": {"1,x"}}, "isv.invalid-parameter:s_message_ids"},
		{"taobao.tmc.messages.confirm", "a1", "", url.Values{"s_message_ids": {strings.Repeat("1,", 200) + "1"}}, "isv.invalid-parameter:s_message_ids"},
		{"taobao.tmc.message.produce", "p", "", url.Values{"topic": {"t1"}, "content": {"{}"}}, "isv.missing-session"},
		{"taobao.tmc.message.produce", "p", "small", url.Values{"content": {"{}"}}, "isv.missing-parameter:topic"},
		{"taobao.tmc.message.produce", "p", "small", url.Values{"topic": {"t1"}, "content": {"[]"}}, "isv.invalid-parameter:content"},
		{"taobao.tmc.message.produce", "a1", "small", url.Values{"topic": {"t1"}, "content": {"{}"}}, "isv.publish-not-permitted"},
		{"taobao.tmc.user.permit", "a1", "new_seller", url.Values{"topics": {"t3"}}, "isv.invalid-parameter:topics"},
		{"taobao.tmc.user.get", "a1", "", url.Values{"nick": {"nobody"}}, "isv.tmc-user-not-exist"},
	} {
		code, out := callAPI(t, n, tt.app, tt.nick, tt.method, tt.params)
		if code == 200 || out["sub_code"] != tt.sub {
			t.Errorf("%s %v: got %d %v, want %s", tt.method, tt.params, code, out, tt.sub)
		}
	}
}

func TestRESTProduceAndPermits(t *testing.T) {
	tc := newTestCluster(t, clock.Real{}, "push-0")
	n := tc.start("push-0", nil)
	// A seller permits a1 for t2 only; get shows it; a produced t1 message for
	// that seller is not routed to a1, a t2 one is.
	if code, out := callAPI(t, n, "a1", "new_seller", "taobao.tmc.user.permit", url.Values{"topics": {"t2"}}); code != 200 {
		t.Fatalf("permit: %v", out)
	}
	_, out := callAPI(t, n, "a1", "", "taobao.tmc.user.get", url.Values{"nick": {"new_seller"}})
	topics := out["tmc_user"].(map[string]any)["topics"].(map[string]any)["string"].([]any)
	if len(topics) != 1 || topics[0] != "t2" {
		t.Fatalf("user.get: %v", out)
	}
	p, err := meta.Get[meta.TopicPermit](context.Background(), tc.store, meta.PermitID("a1", "new_seller"))
	if err != nil || !p.PermitsTopic("t2") {
		t.Fatalf("stored permit: %+v %v", p, err)
	}
	for _, topic := range []string{"t1", "t2"} {
		if code, out := callAPI(t, n, "p", "new_seller", "taobao.tmc.message.produce", url.Values{"topic": {topic}, "content": {`{"x":1}`}}); code != 200 {
			t.Fatalf("produce %s: %v", topic, out)
		}
	}
	eventually(t, "the t2 message only", func() bool { return n.owner.Backlog("a1/default") == 1 })
	l, _ := n.owner.Lease(context.Background(), "a1/default", 10, 0)
	var m Message
	if len(l) != 1 || decodePayload(l[0].Payload, &m) != nil || m.Topic != "t2" || m.Publisher != "p" || m.UserID != 77 {
		t.Fatalf("routed: %+v", m)
	}
	if code, _ := callAPI(t, n, "a1", "", "taobao.tmc.user.cancel", url.Values{"nick": {"new_seller"}}); code != 200 {
		t.Fatal("cancel")
	}
	if _, err := meta.Get[meta.TopicPermit](context.Background(), tc.store, meta.PermitID("a1", "new_seller")); err == nil {
		t.Fatal("cancelled permit still stored")
	}
}
