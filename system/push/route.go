package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/top"
)

// Delivery is a routed message for one app's queue.
type Delivery struct {
	Queue string // QueueName(app, group)
	Msg   Message
}

// QueueName names the queue of an app's group.
func QueueName(app, group string) string { return app + "/" + group }

// Routing errors, as the TOP errors the produce API answers.
var (
	ErrNotProducer  = top.NewError(top.CodeInsufficientISVPerm, "isv.publish-not-permitted", "the app may not publish this topic")
	ErrUnknownTopic = top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter:topic", "unknown topic")
)

// Router decides which apps receive a published message, in which group,
// with which content: filter (subscribed to the topic and permitted by the
// seller), authenticate (the publisher may publish it) and transform (the
// content trimmed to each app's field level).
type Router struct {
	cache *metacache.Cache
	store meta.Store

	mu      sync.RWMutex
	byApp   map[string]meta.Subscription
	permits map[string]map[string]meta.TopicPermit // seller -> app -> permit
}

// NewRouter loads every subscription and permit and follows their
// changes. Routing looks up the seller's permits (a seller permits few
// apps) rather than every subscriber of a topic (a topic has many).
func NewRouter(ctx context.Context, cache *metacache.Cache) (*Router, error) {
	r := &Router{cache: cache, store: cache.Store()}
	if err := r.reload(ctx); err != nil {
		return nil, err
	}
	cache.OnChange(meta.KindSubscription, func(app string) { r.reloadApp(context.Background(), app) })
	cache.OnChange(meta.KindTopicPermit, func(id string) { r.reloadPermit(context.Background(), id) })
	cache.OnChange(metacache.KindBulk, func(string) { _ = r.reload(context.Background()) })
	return r, nil
}

func (r *Router) reload(ctx context.Context) error {
	subs, err := meta.All[meta.Subscription](ctx, r.store)
	if err != nil {
		return fmt.Errorf("push: load subscriptions: %w", err)
	}
	byApp := make(map[string]meta.Subscription, len(subs))
	for _, s := range subs {
		byApp[s.AppKey] = s
	}
	permits := map[string]map[string]meta.TopicPermit{}
	err = meta.Each(ctx, r.store, func(p meta.TopicPermit) error {
		if permits[p.Seller] == nil {
			permits[p.Seller] = map[string]meta.TopicPermit{}
		}
		permits[p.Seller][p.AppKey] = p
		return nil
	})
	if err != nil {
		return fmt.Errorf("push: load permits: %w", err)
	}
	r.mu.Lock()
	r.byApp, r.permits = byApp, permits
	r.mu.Unlock()
	return nil
}

// reloadPermit re-reads the permit with id (app/seller).
func (r *Router) reloadPermit(ctx context.Context, id string) {
	app, seller, ok := strings.Cut(id, "/")
	if !ok {
		return
	}
	p, err := meta.Get[meta.TopicPermit](ctx, r.store, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		if r.permits[seller] == nil {
			r.permits[seller] = map[string]meta.TopicPermit{}
		}
		r.permits[seller][app] = p
	case errors.Is(err, meta.ErrNotFound):
		delete(r.permits[seller], app)
		if len(r.permits[seller]) == 0 {
			delete(r.permits, seller)
		}
	}
}

func (r *Router) reloadApp(ctx context.Context, app string) {
	s, err := meta.Get[meta.Subscription](ctx, r.store, app)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		r.byApp[app] = s
	case errors.Is(err, meta.ErrNotFound):
		delete(r.byApp, app)
	}
	// else keep the old view; the next notice or reload fixes it
}

// Subscription returns app's subscription as the router sees it.
func (r *Router) Subscription(app string) (meta.Subscription, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.byApp[app]
	return s, ok
}

// CheckPublish validates a message from outside and the publisher's right.
func (r *Router) CheckPublish(ctx context.Context, m *Message) error {
	if m.Topic == "" || len(m.Topic) > maxTopicBytes {
		return top.NewError(top.CodeMissingRequiredArgs, "isv.missing-parameter:topic", "topic is required (at most 128 bytes)")
	}
	if len(m.Content) > MaxContentBytes || !utf8.Valid(m.Content) || !isJSONObject(m.Content) {
		return top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter:content", "content must be a JSON object of at most 64 KiB")
	}
	if len(m.Nick) > maxNickBytes || !utf8.ValidString(m.Nick) {
		return top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter:nick", "bad seller nick")
	}
	if _, err := r.cache.Topic(ctx, m.Topic); err != nil {
		if errors.Is(err, meta.ErrNotFound) {
			return ErrUnknownTopic
		}
		return err
	}
	p, err := r.cache.Producer(ctx, m.Publisher)
	if errors.Is(err, meta.ErrNotFound) || err == nil && !p.MayPublish(m.Topic) {
		return ErrNotProducer
	}
	return err
}

// Route returns the deliveries of m: one per app that subscribed the topic
// and that the seller permits for it. It assumes CheckPublish passed.
func (r *Router) Route(ctx context.Context, m *Message) ([]Delivery, error) {
	type target struct {
		app   string
		group string
		level int
	}
	var targets []target
	r.mu.RLock()
	for app, p := range r.permits[m.Nick] {
		sub, ok := r.byApp[app]
		if ok && sub.Subscribes(m.Topic) && p.PermitsTopic(m.Topic) {
			targets = append(targets, target{app, sub.GroupOf(m.Nick), sub.FieldLevel})
		}
	}
	r.mu.RUnlock()
	if len(targets) == 0 {
		return nil, nil
	}
	slices.SortFunc(targets, func(a, b target) int { return strings.Compare(a.app, b.app) })
	topic, err := r.cache.Topic(ctx, m.Topic)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(targets))
	for i, t := range targets {
		out[i] = Delivery{Queue: QueueName(t.app, t.group), Msg: *m}
		out[i].Msg.Content = trimContent(m.Content, topic.Fields, t.level)
	}
	return out, nil
}

// trimContent removes the content's top-level fields above level; content
// with nothing to remove is returned as it is.
func trimContent(content []byte, fields map[string]int, level int) []byte {
	above := false
	for _, l := range fields {
		if l > level {
			above = true
			break
		}
	}
	if !above {
		return content
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(content, &obj) != nil {
		return content // CheckPublish admitted it as an object; keep it whole rather than drop it
	}
	removed := false
	for k := range obj {
		if fields[k] > level {
			delete(obj, k)
			removed = true
		}
	}
	if !removed {
		return content
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return content
	}
	return b
}

// isJSONObject reports whether b is one valid JSON object, without
// decoding it (a map per published message was 8% of a node's allocation).
func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}
