package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

	mu     sync.RWMutex
	byApp  map[string]meta.Subscription
	byTopc map[string][]string // topic -> subscribed apps, sorted
}

// NewRouter loads every subscription and follows their changes.
func NewRouter(ctx context.Context, cache *metacache.Cache) (*Router, error) {
	r := &Router{cache: cache, store: cache.Store()}
	if err := r.reload(ctx); err != nil {
		return nil, err
	}
	cache.OnChange(meta.KindSubscription, func(app string) { r.reloadApp(context.Background(), app) })
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
	r.mu.Lock()
	r.byApp = byApp
	r.reindex()
	r.mu.Unlock()
	return nil
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
	default:
		return // keep the old view; the next notice or reload fixes it
	}
	r.reindex()
}

func (r *Router) reindex() {
	idx := map[string][]string{}
	for app, s := range r.byApp {
		for _, t := range s.Topics {
			idx[t] = append(idx[t], app)
		}
	}
	for _, apps := range idx {
		slices.Sort(apps)
	}
	r.byTopc = idx
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

// Route returns the deliveries of m: one per subscribed app the seller
// permits. It assumes CheckPublish passed.
func (r *Router) Route(ctx context.Context, m *Message) ([]Delivery, error) {
	r.mu.RLock()
	apps := r.byTopc[m.Topic]
	r.mu.RUnlock()
	if len(apps) == 0 {
		return nil, nil
	}
	topic, err := r.cache.Topic(ctx, m.Topic)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for _, app := range apps {
		p, err := r.cache.Permit(ctx, app, m.Nick)
		if errors.Is(err, meta.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !p.PermitsTopic(m.Topic) {
			continue
		}
		sub, ok := r.Subscription(app)
		if !ok {
			continue
		}
		d := Delivery{Queue: QueueName(app, sub.GroupOf(m.Nick)), Msg: *m}
		d.Msg.Content = trimContent(m.Content, topic.Fields, sub.FieldLevel)
		out = append(out, d)
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

func isJSONObject(b []byte) bool {
	var obj map[string]json.RawMessage
	return json.Unmarshal(b, &obj) == nil && obj != nil
}
