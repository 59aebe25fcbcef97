package push

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/toplab/toplab/system/push/store"
	"github.com/toplab/toplab/system/top"
)

// The internal API between push nodes (and for the lab's producers), as
// JSON over HTTP; nodes call each other with the same operations over one
// multiplexed net/rpc connection per peer (rpc.go):
//
//	POST /internal/append   {"deliveries":[{"queue":..,"msg":{..}}]}  -> {"appended":N}   (owner only)
//	POST /internal/lease    {"queue":..,"max":N,"wait_ms":MS}          -> {"messages":[Leased]}
//	POST /internal/confirm  {"queue":..,"ids":[..]}                    -> {"confirmed":N}
//	POST /internal/release  {"queue":..,"ids":[..]}                    -> {}
//	POST /internal/notify   {"queues":[..]}                            -> {}  (messages wait at their owner)
//	POST /internal/hold     {"node":..,"queues":[..]}                  -> {}  (node holds connections of these queues)
//	POST /internal/publish  {"messages":[{..}]}                         -> {"routed":N}  (route and store at the owners)
//
// Errors are top.Error objects: 503 with isp.* when the owner is down or the
// store refuses (disk full), 4xx with isv.* for bad input.
const (
	maxInternalBody = 16 << 20
	maxLeaseWait    = 30 * time.Second
)

type WireMessage struct {
	Topic     string          `json:"topic"`
	Content   json.RawMessage `json:"content"`
	Nick      string          `json:"nick,omitempty"`
	UserID    int64           `json:"user_id,omitempty"`
	DataID    int64           `json:"data_id,omitempty"`
	Publisher string          `json:"publisher"`
	PubTimeMs int64           `json:"pub_time_ms"`
}

func (w *WireMessage) message() Message {
	return Message{Topic: w.Topic, Content: w.Content, Nick: w.Nick, UserID: w.UserID, DataID: w.DataID, Publisher: w.Publisher, PubTimeMs: w.PubTimeMs}
}

func toWire(m *Message) WireMessage {
	return WireMessage{Topic: m.Topic, Content: m.Content, Nick: m.Nick, UserID: m.UserID, DataID: m.DataID, Publisher: m.Publisher, PubTimeMs: m.PubTimeMs}
}

type WireDelivery struct {
	Queue string      `json:"queue"`
	Msg   WireMessage `json:"msg"`
}

type AppendArgs struct {
	Deliveries []WireDelivery `json:"deliveries"`
}

type LeaseArgs struct {
	Queue  string `json:"queue"`
	Max    int    `json:"max"`
	WaitMs int64  `json:"wait_ms,omitempty"`
}

type LeaseReply struct {
	Messages []Leased `json:"messages"`
}

type IDsArgs struct {
	Queue string  `json:"queue"`
	IDs   []int64 `json:"ids"`
}

type NotifyArgs struct {
	Queues []string `json:"queues"`
}

type HoldArgs struct {
	Node   string   `json:"node"`
	Queues []string `json:"queues"`
}

type PublishArgs struct {
	Messages []WireMessage `json:"messages"`
}

func (n *Node) registerInternal(mux *http.ServeMux) {
	mux.HandleFunc("POST /internal/append", httpOp(func(ctx context.Context, a *AppendArgs) (any, error) {
		c, err := n.opAppend(ctx, a)
		return map[string]int{"appended": c}, err
	}))
	mux.HandleFunc("POST /internal/lease", httpOp(func(ctx context.Context, a *LeaseArgs) (any, error) {
		ms, err := n.opLease(ctx, a)
		return LeaseReply{Messages: ms}, err
	}))
	mux.HandleFunc("POST /internal/confirm", httpOp(func(ctx context.Context, a *IDsArgs) (any, error) {
		c, err := n.opConfirm(ctx, a)
		return map[string]int{"confirmed": c}, err
	}))
	mux.HandleFunc("POST /internal/release", httpOp(func(_ context.Context, a *IDsArgs) (any, error) {
		return struct{}{}, n.opRelease(a)
	}))
	mux.HandleFunc("POST /internal/notify", httpOp(func(_ context.Context, a *NotifyArgs) (any, error) {
		n.opNotify(a)
		return struct{}{}, nil
	}))
	mux.HandleFunc("POST /internal/hold", httpOp(func(_ context.Context, a *HoldArgs) (any, error) {
		n.opHold(a)
		return struct{}{}, nil
	}))
	mux.HandleFunc("POST /internal/publish", httpOp(func(ctx context.Context, a *PublishArgs) (any, error) {
		msgs := make([]Message, len(a.Messages))
		for i := range a.Messages {
			msgs[i] = a.Messages[i].message()
		}
		routed, err := n.Publish(ctx, msgs)
		return map[string]int{"routed": routed}, err
	}))
	mux.Handle(rpcPath, n.rpcServer())
}

// httpOp adapts an operation to a JSON-over-HTTP handler.
func httpOp[A any](op func(context.Context, *A) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var a A
		if !readInternal(w, r, &a) {
			return
		}
		v, err := op(r.Context(), &a)
		if err != nil {
			writeInternalErr(w, err)
			return
		}
		writeInternal(w, v)
	}
}

func (n *Node) opAppend(ctx context.Context, a *AppendArgs) (int, error) {
	ds := make([]Delivery, len(a.Deliveries))
	for i, d := range a.Deliveries {
		if err := n.ownsQueue(d.Queue); err != nil {
			return 0, err
		}
		ds[i] = Delivery{Queue: d.Queue, Msg: d.Msg.message()}
	}
	if err := n.owner.Append(ctx, ds); err != nil {
		return 0, storeError(err)
	}
	return len(ds), nil
}

func (n *Node) opLease(ctx context.Context, a *LeaseArgs) ([]Leased, error) {
	if err := n.ownsQueue(a.Queue); err != nil {
		return nil, err
	}
	wait := min(time.Duration(a.WaitMs)*time.Millisecond, maxLeaseWait)
	msgs, err := n.owner.Lease(ctx, a.Queue, min(a.Max, 1000), wait)
	if err != nil {
		return nil, top.Errorf(top.CodeServiceUnavailable, "isp.lease-failed", "%v", err)
	}
	return msgs, nil
}

func (n *Node) opConfirm(ctx context.Context, a *IDsArgs) (int, error) {
	return n.opConfirmMany(ctx, []IDsArgs{*a})
}

// opConfirmMany confirms the items of the queues this node owns; an item of
// a queue it does not own (ownership moved) is left out and reported, after
// the others are confirmed.
func (n *Node) opConfirmMany(ctx context.Context, items []IDsArgs) (int, error) {
	var notOwned error
	owned := items[:0:0]
	for _, it := range items {
		if err := n.ownsQueue(it.Queue); err != nil {
			notOwned = cmp.Or(notOwned, err)
			continue
		}
		owned = append(owned, it)
	}
	if len(owned) == 0 {
		return 0, notOwned
	}
	c, err := n.owner.ConfirmMany(ctx, owned)
	if err != nil {
		return 0, storeError(err)
	}
	return c, notOwned
}

func (n *Node) opRelease(a *IDsArgs) error {
	if err := n.ownsQueue(a.Queue); err != nil {
		return err
	}
	n.owner.Release(a.Queue, a.IDs)
	return nil
}

func (n *Node) opNotify(a *NotifyArgs) {
	for _, q := range a.Queues {
		n.hub.notify(q)
	}
}

func (n *Node) opHold(a *HoldArgs) {
	n.cluster.hold(a.Node, a.Queues)
	for _, q := range a.Queues {
		if n.owner.Backlog(q) > 0 {
			n.notifier.enqueue(a.Node, q)
		}
	}
}

func (n *Node) ownsQueue(queue string) error {
	if n.cluster.owner(queue) != n.cfg.NodeID {
		return top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:queue", "queue %s is not owned by %s", queue, n.cfg.NodeID)
	}
	return nil
}

// storeError maps a store failure to the error producers see.
func storeError(err error) *top.Error {
	if errors.Is(err, store.ErrFull) {
		return top.Errorf(top.CodeServiceUnavailable, "isp.message-store-full", "the message store is full: nothing was stored, retry later")
	}
	return top.Errorf(top.CodeServiceUnavailable, "isp.message-store-unavailable", "%v", err)
}

func readInternal(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxInternalBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeInternalErr(w, top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:body", "bad request body: %v", err))
		return false
	}
	return true
}

func writeInternal(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeInternalErr(w http.ResponseWriter, err error) {
	var te *top.Error
	if !errors.As(err, &te) {
		te = top.Errorf(top.CodeServiceUnavailable, "isp.push-error", "%v", err)
	}
	status := http.StatusServiceUnavailable
	if strings.HasPrefix(te.SubCode, "isv.") {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(te)
}
