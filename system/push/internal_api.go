package push

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/toplab/toplab/system/push/store"
	"github.com/toplab/toplab/system/top"
)

// The internal API between push nodes (and for the lab's producers):
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

type wireMessage struct {
	Topic     string          `json:"topic"`
	Content   json.RawMessage `json:"content"`
	Nick      string          `json:"nick,omitempty"`
	UserID    int64           `json:"user_id,omitempty"`
	DataID    int64           `json:"data_id,omitempty"`
	Publisher string          `json:"publisher"`
	PubTimeMs int64           `json:"pub_time_ms"`
}

func (w *wireMessage) message() Message {
	return Message{Topic: w.Topic, Content: w.Content, Nick: w.Nick, UserID: w.UserID, DataID: w.DataID, Publisher: w.Publisher, PubTimeMs: w.PubTimeMs}
}

func toWire(m *Message) wireMessage {
	return wireMessage{Topic: m.Topic, Content: m.Content, Nick: m.Nick, UserID: m.UserID, DataID: m.DataID, Publisher: m.Publisher, PubTimeMs: m.PubTimeMs}
}

type wireDelivery struct {
	Queue string      `json:"queue"`
	Msg   wireMessage `json:"msg"`
}

type appendReq struct {
	Deliveries []wireDelivery `json:"deliveries"`
}

type leaseReq struct {
	Queue  string `json:"queue"`
	Max    int    `json:"max"`
	WaitMs int64  `json:"wait_ms,omitempty"`
}

type leaseResp struct {
	Messages []Leased `json:"messages"`
}

type idsReq struct {
	Queue string  `json:"queue"`
	IDs   []int64 `json:"ids"`
}

type notifyReq struct {
	Queues []string `json:"queues"`
}

type holdReq struct {
	Node   string   `json:"node"`
	Queues []string `json:"queues"`
}

type publishReq struct {
	Messages []wireMessage `json:"messages"`
}

func (n *Node) registerInternal(mux *http.ServeMux) {
	mux.HandleFunc("POST /internal/append", n.handleAppend)
	mux.HandleFunc("POST /internal/lease", n.handleLease)
	mux.HandleFunc("POST /internal/confirm", n.handleConfirm)
	mux.HandleFunc("POST /internal/release", n.handleRelease)
	mux.HandleFunc("POST /internal/notify", n.handleNotify)
	mux.HandleFunc("POST /internal/hold", n.handleHold)
	mux.HandleFunc("POST /internal/publish", n.handlePublish)
}

func (n *Node) handleAppend(w http.ResponseWriter, r *http.Request) {
	var req appendReq
	if !readInternal(w, r, &req) {
		return
	}
	ds := make([]Delivery, len(req.Deliveries))
	for i, d := range req.Deliveries {
		if n.cluster.owner(d.Queue) != n.cfg.NodeID {
			writeInternalErr(w, top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:queue", "queue %s is not owned by %s", d.Queue, n.cfg.NodeID))
			return
		}
		ds[i] = Delivery{Queue: d.Queue, Msg: d.Msg.message()}
	}
	if err := n.owner.Append(r.Context(), ds); err != nil {
		writeInternalErr(w, storeError(err))
		return
	}
	writeInternal(w, map[string]int{"appended": len(ds)})
}

func (n *Node) handleLease(w http.ResponseWriter, r *http.Request) {
	var req leaseReq
	if !readInternal(w, r, &req) || !n.ownsOrRefuse(w, req.Queue) {
		return
	}
	wait := min(time.Duration(req.WaitMs)*time.Millisecond, maxLeaseWait)
	msgs, err := n.owner.Lease(r.Context(), req.Queue, min(req.Max, 1000), wait)
	if err != nil {
		writeInternalErr(w, top.Errorf(top.CodeServiceUnavailable, "isp.lease-failed", "%v", err))
		return
	}
	writeInternal(w, leaseResp{Messages: msgs})
}

func (n *Node) handleConfirm(w http.ResponseWriter, r *http.Request) {
	var req idsReq
	if !readInternal(w, r, &req) || !n.ownsOrRefuse(w, req.Queue) {
		return
	}
	c, err := n.owner.Confirm(r.Context(), req.Queue, req.IDs)
	if err != nil {
		writeInternalErr(w, storeError(err))
		return
	}
	writeInternal(w, map[string]int{"confirmed": c})
}

func (n *Node) handleRelease(w http.ResponseWriter, r *http.Request) {
	var req idsReq
	if !readInternal(w, r, &req) || !n.ownsOrRefuse(w, req.Queue) {
		return
	}
	n.owner.Release(req.Queue, req.IDs)
	writeInternal(w, struct{}{})
}

func (n *Node) handleNotify(w http.ResponseWriter, r *http.Request) {
	var req notifyReq
	if !readInternal(w, r, &req) {
		return
	}
	for _, q := range req.Queues {
		n.hub.notify(q)
	}
	writeInternal(w, struct{}{})
}

func (n *Node) handleHold(w http.ResponseWriter, r *http.Request) {
	var req holdReq
	if !readInternal(w, r, &req) {
		return
	}
	n.cluster.hold(req.Node, req.Queues)
	for _, q := range req.Queues {
		if n.owner.Backlog(q) > 0 {
			n.notifier.enqueue(req.Node, q)
		}
	}
	writeInternal(w, struct{}{})
}

func (n *Node) handlePublish(w http.ResponseWriter, r *http.Request) {
	var req publishReq
	if !readInternal(w, r, &req) {
		return
	}
	msgs := make([]Message, len(req.Messages))
	for i := range req.Messages {
		msgs[i] = req.Messages[i].message()
	}
	routed, err := n.Publish(r.Context(), msgs)
	if err != nil {
		writeInternalErr(w, err)
		return
	}
	writeInternal(w, map[string]int{"routed": routed})
}

func (n *Node) ownsOrRefuse(w http.ResponseWriter, queue string) bool {
	if n.cluster.owner(queue) != n.cfg.NodeID {
		writeInternalErr(w, top.Errorf(top.CodeInvalidArguments, "isv.invalid-parameter:queue", "queue %s is not owned by %s", queue, n.cfg.NodeID))
		return false
	}
	return true
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
	if len(te.SubCode) > 4 && te.SubCode[:4] == "isv." {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(te)
}
