package push

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

func newRouter(t *testing.T) *Router {
	t.Helper()
	_, cache := newMeta(t, clock.NewFake(epoch), tenant()...)
	r, err := NewRouter(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRouteFiltersByTopicPermitAndGroup(t *testing.T) {
	r := newRouter(t)
	ctx := context.Background()
	content := []byte(`{"tid":7,"payment":"9.90","buyer_nick":"b"}`)
	for _, tc := range []struct {
		name   string
		m      Message
		queues []string
	}{
		{"both apps", Message{Topic: "t1", Nick: "small"}, []string{"a1/default", "a2/default"}},
		{"hot seller's group", Message{Topic: "t1", Nick: "big"}, []string{"a1/hot"}},
		{"a2's permit names t1 only", Message{Topic: "t2", Nick: "small"}, []string{"a1/default"}},
		{"no permit", Message{Topic: "t1", Nick: "stranger"}, nil},
		{"no subscriber", Message{Topic: "t3", Nick: "small"}, nil},
	} {
		tc.m.Content, tc.m.Publisher = content, "p"
		ds, err := r.Route(ctx, &tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.Queue)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.queues) {
			t.Errorf("%s: routed to %v, want %v", tc.name, got, tc.queues)
		}
	}
}

func TestRouteTrimsContentToFieldLevel(t *testing.T) {
	r := newRouter(t)
	m := Message{Topic: "t1", Nick: "small", Publisher: "p", Content: []byte(`{"tid":7,"payment":"9.90","buyer_nick":"b"}`)}
	ds, err := r.Route(context.Background(), &m)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		var obj map[string]any
		if err := json.Unmarshal(d.Msg.Content, &obj); err != nil {
			t.Fatal(err)
		}
		_, hasBuyer := obj["buyer_nick"]
		switch d.Queue {
		case "a1/default": // level 1: no buyer contact
			if hasBuyer || obj["payment"] != "9.90" || obj["tid"] != 7.0 {
				t.Errorf("a1 got %v", obj)
			}
		case "a2/default": // level 2: everything
			if !hasBuyer {
				t.Errorf("a2 got %v", obj)
			}
		}
	}
	if string(m.Content) != `{"tid":7,"payment":"9.90","buyer_nick":"b"}` {
		t.Error("routing changed the producer's message")
	}
}

func TestCheckPublish(t *testing.T) {
	r := newRouter(t)
	ctx := context.Background()
	ok := Message{Topic: "t1", Content: []byte(`{"tid":1}`), Nick: "small", Publisher: "p"}
	if err := r.CheckPublish(ctx, &ok); err != nil {
		t.Fatalf("a valid publish was refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mod  func(*Message)
		code string
	}{
		"no topic":       {func(m *Message) { m.Topic = "" }, "isv.missing-parameter:topic"},
		"unknown topic":  {func(m *Message) { m.Topic = "nope" }, "isv.invalid-parameter:topic"},
		"not producer":   {func(m *Message) { m.Publisher = "a1" }, "isv.publish-not-permitted"},
		"topic not his":  {func(m *Message) { m.Topic = "t3" }, "isv.publish-not-permitted"},
		"array content":  {func(m *Message) { m.Content = []byte(`[1]`) }, "isv.invalid-parameter:content"},
		"broken content": {func(m *Message) { m.Content = []byte(`{"a":`) }, "isv.invalid-parameter:content"},
		"huge content": {func(m *Message) {
			m.Content = append(append([]byte(`{"a":"`), make([]byte, MaxContentBytes)...), `"}`...)
		}, "isv.invalid-parameter:content"},
		"bad utf8 nick": {func(m *Message) { m.Nick = "\xff" }, "isv.invalid-parameter:nick"},
	} {
		m := ok
		tc.mod(&m)
		err := r.CheckPublish(ctx, &m)
		var te *top.Error
		if !errors.As(err, &te) || te.SubCode != tc.code {
			t.Errorf("%s: got %v, want %s", name, err, tc.code)
		}
	}
}

// A subscription change reaches the router's topic index.
func TestRouterFollowsSubscriptionChanges(t *testing.T) {
	st, cache := newMeta(t, clock.NewFake(epoch), tenant()...)
	r, err := NewRouter(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	meta.Put(context.Background(), st, meta.Subscription{AppKey: "a2", Topics: []string{"t1", "t2"}})
	r.reloadApp(context.Background(), "a2")
	m := Message{Topic: "t2", Nick: "small", Publisher: "p", Content: []byte(`{}`)}
	ds, _ := r.Route(context.Background(), &m)
	if len(ds) != 1 { // a2's permit still names t1 only
		t.Fatalf("got %d deliveries", len(ds))
	}
	// a2's seller widens the permit: the t2 message now reaches a2 too.
	meta.Put(context.Background(), st, meta.TopicPermit{AppKey: "a2", Seller: "small"})
	r.reloadPermit(context.Background(), meta.PermitID("a2", "small"))
	if ds, _ = r.Route(context.Background(), &m); len(ds) != 2 {
		t.Fatalf("after the permit change: %d deliveries", len(ds))
	}
	st.Delete(context.Background(), meta.KindTopicPermit, meta.PermitID("a1", "small"))
	r.reloadPermit(context.Background(), meta.PermitID("a1", "small"))
	if ds, _ = r.Route(context.Background(), &m); len(ds) != 1 || ds[0].Queue != "a2/default" {
		t.Fatalf("after the permit was cancelled: %+v", ds)
	}
	st.Delete(context.Background(), meta.KindSubscription, "a1")
	r.reloadApp(context.Background(), "a1")
	if _, ok := r.Subscription("a1"); ok {
		t.Fatal("a deleted subscription is still routed")
	}
}
