package push

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// tmcAPI serves the message service's TOP APIs behind the gateway.
type tmcAPI struct{ n *Node }

var _ backend.Service = tmcAPI{}

// Bounds of the REST pull.
const (
	defaultConsume = 100
	maxConsume     = 200
	maxConfirmIDs  = 200
	maxConsumeWait = 30 * time.Second
)

func (tmcAPI) Name() string { return meta.BackendTMC }

func (tmcAPI) Methods() []string {
	out := make([]string, 0, 6)
	for _, a := range meta.TMCAPIs() {
		out = append(out, a.Name)
	}
	return out
}

func (a tmcAPI) Call(ctx context.Context, req *backend.Request, dst []byte) ([]byte, error) {
	var v any
	var err error
	switch req.Method {
	case "taobao.tmc.message.produce":
		v, err = a.produce(ctx, req)
	case "taobao.tmc.messages.consume":
		v, err = a.consume(ctx, req)
	case "taobao.tmc.messages.confirm":
		v, err = a.confirm(ctx, req)
	case "taobao.tmc.user.permit":
		v, err = a.permit(ctx, req)
	case "taobao.tmc.user.cancel":
		v, err = a.cancel(ctx, req)
	case "taobao.tmc.user.get":
		v, err = a.userGet(ctx, req)
	default:
		err = top.Errorf(top.CodeInvalidMethod, "isv.invalid-method", "unknown method %s", req.Method)
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

var success = map[string]bool{"is_success": true}

func missing(name string) error {
	return top.Errorf(top.CodeMissingRequiredArgs, "isv.missing-parameter:"+name, "%s is required", name)
}

func invalid(name, why string) error {
	return top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:"+name, "%s", why)
}

func needSeller(req *backend.Request) error {
	if req.UserNick == "" {
		return top.NewError(top.CodeMissingSession, "isv.missing-session", "this API acts for a seller: pass a session")
	}
	return nil
}

func (a tmcAPI) produce(ctx context.Context, req *backend.Request) (any, error) {
	if err := needSeller(req); err != nil {
		return nil, err
	}
	topic, content := req.Params.Get("topic"), req.Params.Get("content")
	if topic == "" {
		return nil, missing("topic")
	}
	if content == "" {
		return nil, missing("content")
	}
	uid, _ := strconv.ParseInt(req.UserID, 10, 64)
	m := Message{Topic: topic, Content: []byte(content), Nick: req.UserNick, UserID: uid,
		Publisher: req.AppKey, PubTimeMs: a.n.clock.Now().UnixMilli()}
	if _, err := a.n.Publish(ctx, []Message{m}); err != nil {
		return nil, err
	}
	return success, nil
}

// queueParam is the caller's queue named by group_name.
func (a tmcAPI) queueParam(req *backend.Request) (string, error) {
	group := req.Params.Get("group_name")
	if group == "" {
		group = meta.DefaultGroup
	}
	sub, ok := a.n.router.Subscription(req.AppKey)
	if !ok {
		return "", top.NewError(top.CodeInsufficientISVPerm, "isv.tmc-not-subscribed", "the app has no message subscription")
	}
	if !sub.HasGroup(group) {
		return "", invalid("group_name", "unknown group "+group)
	}
	return QueueName(req.AppKey, group), nil
}

type restMessage struct {
	ID        int64  `json:"id"`
	Topic     string `json:"topic"`
	Content   string `json:"content"`
	PubTime   string `json:"pub_time"`
	PubTimeMs int64  `json:"pub_time_ms"` // toplab: the publish time in ms, for end-to-end latency
	PubAppKey string `json:"pub_app_key"`
	UserNick  string `json:"user_nick,omitempty"`
	UserID    int64  `json:"user_id,omitempty"`
	DataID    int64  `json:"data_id,omitempty"`
}

func (a tmcAPI) consume(ctx context.Context, req *backend.Request) (any, error) {
	queue, err := a.queueParam(req)
	if err != nil {
		return nil, err
	}
	n := defaultConsume
	if s := req.Params.Get("quantity"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > maxConsume {
			return nil, invalid("quantity", "quantity must be 1-200")
		}
	}
	var wait time.Duration
	if s := req.Params.Get("wait"); s != "" { // toplab: long poll for up to wait seconds
		w, err := strconv.Atoi(s)
		if err != nil || w < 0 || time.Duration(w)*time.Second > maxConsumeWait {
			return nil, invalid("wait", "wait must be 0-30 seconds")
		}
		wait = time.Duration(w) * time.Second
	}
	leased, err := a.n.source(queue).Lease(ctx, queue, n, wait)
	if err != nil {
		return nil, err
	}
	out := make([]restMessage, 0, len(leased))
	for _, l := range leased {
		var m Message
		if decodePayload(l.Payload, &m) != nil {
			continue
		}
		out = append(out, restMessage{ID: l.ID, Topic: m.Topic, Content: string(m.Content), PubTime: top.FormatTimestamp(msTime(m.PubTimeMs)),
			PubTimeMs: m.PubTimeMs, PubAppKey: m.Publisher, UserNick: m.Nick, UserID: m.UserID, DataID: m.DataID})
	}
	return map[string]any{"messages": map[string]any{"tmc_message": out}}, nil
}

func parseIDs(name, s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxConfirmIDs {
		return nil, invalid(name, "at most 200 ids")
	}
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, invalid(name, "ids must be positive integers separated by commas")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (a tmcAPI) confirm(ctx context.Context, req *backend.Request) (any, error) {
	queue, err := a.queueParam(req)
	if err != nil {
		return nil, err
	}
	ok, err := parseIDs("s_message_ids", req.Params.Get("s_message_ids"))
	if err != nil {
		return nil, err
	}
	failed, err := parseIDs("f_message_ids", req.Params.Get("f_message_ids"))
	if err != nil {
		return nil, err
	}
	if len(ok) == 0 && len(failed) == 0 {
		return nil, missing("s_message_ids")
	}
	src := a.n.source(queue)
	if len(ok) > 0 {
		if _, err := src.ConfirmMany(ctx, []IDsArgs{{Queue: queue, IDs: ok}}); err != nil {
			return nil, err
		}
	}
	if len(failed) > 0 { // the client could not handle them: deliver again now
		if err := src.Release(ctx, queue, failed); err != nil {
			return nil, err
		}
	}
	return success, nil
}

func (a tmcAPI) permit(ctx context.Context, req *backend.Request) (any, error) {
	if err := needSeller(req); err != nil {
		return nil, err
	}
	sub, ok := a.n.router.Subscription(req.AppKey)
	if !ok {
		return nil, top.NewError(top.CodeInsufficientISVPerm, "isv.tmc-not-subscribed", "the app has no message subscription")
	}
	var topics []string
	if s := req.Params.Get("topics"); s != "" {
		for _, t := range strings.Split(s, ",") {
			t = strings.TrimSpace(t)
			if !sub.Subscribes(t) {
				return nil, invalid("topics", "the app did not subscribe topic "+t)
			}
			topics = append(topics, t)
		}
	}
	p := meta.TopicPermit{AppKey: req.AppKey, Seller: req.UserNick, Topics: topics}
	if err := p.Validate(); err != nil {
		return nil, invalid("topics", err.Error())
	}
	if _, err := meta.Put(ctx, a.n.metaStore, p); err != nil {
		return nil, err
	}
	a.n.router.reloadPermit(ctx, p.ID()) // this node at once, the others on the notice
	if err := a.n.announce(ctx, meta.KindTopicPermit, p.ID()); err != nil {
		a.n.log.Warn("push: announce permit", "err", err) // caches refresh within their refresh interval anyway
	}
	return success, nil
}

func (a tmcAPI) cancel(ctx context.Context, req *backend.Request) (any, error) {
	nick := req.Params.Get("nick")
	if nick == "" {
		return nil, missing("nick")
	}
	id := meta.PermitID(req.AppKey, nick)
	if err := a.n.metaStore.Delete(ctx, meta.KindTopicPermit, id); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, err
	}
	a.n.router.reloadPermit(ctx, id)
	if err := a.n.announce(ctx, meta.KindTopicPermit, id); err != nil {
		a.n.log.Warn("push: announce permit", "err", err)
	}
	return success, nil
}

func (a tmcAPI) userGet(ctx context.Context, req *backend.Request) (any, error) {
	nick := req.Params.Get("nick")
	if nick == "" {
		return nil, missing("nick")
	}
	p, err := meta.Get[meta.TopicPermit](ctx, a.n.metaStore, meta.PermitID(req.AppKey, nick))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, top.Errorf(top.CodeRemoteServiceError, "isv.tmc-user-not-exist", "seller %s has not permitted the app", nick)
	}
	if err != nil {
		return nil, err
	}
	topics := p.Topics
	if len(topics) == 0 {
		sub, _ := a.n.router.Subscription(req.AppKey)
		topics = sub.Topics
	}
	return map[string]any{"tmc_user": map[string]any{"user_nick": nick, "is_valid": true, "topics": map[string]any{"string": topics}}}, nil
}
