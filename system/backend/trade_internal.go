package backend

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/toplab/toplab/system/top"
)

// tradeInternal is the trade centre's internal HTTP API, for the order
// lifecycle generator and the message service, never routed by the gateway:
//
//	POST /internal/trades               NewTrade -> 201 version
//	POST /internal/trades/bulk          {"trades":[NewTrade...]} -> 201 {"tids":[...],"last_seq":N}
//	GET  /internal/trades/{tid}         -> 200 version
//	POST /internal/trades/{tid}/events  Event -> 200 version; 409 when the status does not allow it
//	GET  /internal/changes?after=SEQ&limit=N&wait=DUR -> 200 {"changes":[...],"next":SEQ}
//
// A version is {"trade":{...},"hash":"...","changes":[...]}; errors are
// top.Error objects.
type tradeInternal struct {
	tc      *TradeCentre
	maxBody int64
	log     *slog.Logger
}

func (ti *tradeInternal) register(mux *http.ServeMux) {
	mux.HandleFunc("POST /internal/trades", ti.create)
	mux.HandleFunc("POST /internal/trades/bulk", ti.bulk)
	mux.HandleFunc("GET /internal/trades/{tid}", ti.get)
	mux.HandleFunc("POST /internal/trades/{tid}/events", ti.event)
	mux.HandleFunc("GET /internal/changes", ti.changes)
}

// versionJSON serves a Version with its doc verbatim.
type versionJSON struct {
	Trade   json.RawMessage `json:"trade"`
	Hash    string          `json:"hash"`
	Changes []Change        `json:"changes,omitempty"`
}

func toJSON(v Version) versionJSON {
	return versionJSON{Trade: v.Doc, Hash: v.Hash, Changes: v.Changes}
}

func (ti *tradeInternal) create(w http.ResponseWriter, r *http.Request) {
	var nt NewTrade
	if err := readJSON(w, r, ti.maxBody, &nt); err != nil {
		ti.fail(w, r, err)
		return
	}
	v, err := ti.tc.Create(r.Context(), nt)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(v))
}

func (ti *tradeInternal) bulk(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Trades []NewTrade `json:"trades"`
	}
	if err := readJSON(w, r, ti.maxBody, &in); err != nil {
		ti.fail(w, r, err)
		return
	}
	vs, err := ti.tc.CreateMany(r.Context(), in.Trades)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	out := struct {
		Tids    []int64 `json:"tids"`
		LastSeq int64   `json:"last_seq"`
	}{Tids: make([]int64, len(vs))}
	for i, v := range vs {
		out.Tids[i] = v.Trade.Tid
		out.LastSeq = max(out.LastSeq, v.Changes[len(v.Changes)-1].Seq)
	}
	writeJSON(w, http.StatusCreated, out)
}

func (ti *tradeInternal) get(w http.ResponseWriter, r *http.Request) {
	tid, err := pathTid(r)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	v, err := ti.tc.Get(r.Context(), tid)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(v))
}

func (ti *tradeInternal) event(w http.ResponseWriter, r *http.Request) {
	tid, err := pathTid(r)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	var ev Event
	if err := readJSON(w, r, ti.maxBody, &ev); err != nil {
		ti.fail(w, r, err)
		return
	}
	v, err := ti.tc.Apply(r.Context(), tid, ev)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(v))
}

// changes serves the change log from a cursor; wait (a Go duration such as
// 5s, at most the node's MaxChangeWait) turns it into a long poll that
// answers as soon as something is committed after the cursor.
func (ti *tradeInternal) changes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit, wait, err := changesQuery(q.Get("after"), q.Get("limit"), q.Get("wait"))
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	cs, err := ti.tc.WaitChanges(r.Context(), after, limit, wait)
	if err != nil {
		ti.fail(w, r, err)
		return
	}
	next := after
	if len(cs) > 0 {
		next = cs[len(cs)-1].Seq
	}
	writeJSON(w, http.StatusOK, struct {
		Changes []Change `json:"changes"`
		Next    int64    `json:"next"`
	}{Changes: append([]Change{}, cs...), Next: next})
}

// changesQuery parses the cursor parameters of GET /internal/changes.
func changesQuery(afterS, limitS, waitS string) (after int64, limit int, wait time.Duration, err error) {
	if afterS != "" {
		if after, err = strconv.ParseInt(afterS, 10, 64); err != nil || after < 0 {
			return 0, 0, 0, invalidParam("after", "after must be a sequence number >= 0")
		}
	}
	if limitS != "" {
		if limit, err = strconv.Atoi(limitS); err != nil || limit < 1 || limit > maxChangesLimit {
			return 0, 0, 0, invalidParam("limit", "limit must be 1 to %d", maxChangesLimit)
		}
	}
	if waitS != "" {
		if wait, err = time.ParseDuration(waitS); err != nil || wait < 0 {
			return 0, 0, 0, invalidParam("wait", "wait must be a duration such as 5s")
		}
	}
	return after, limit, wait, nil
}

func pathTid(r *http.Request) (int64, error) {
	tid, err := strconv.ParseInt(r.PathValue("tid"), 10, 64)
	if err != nil || tid <= 0 {
		return 0, invalidParam("tid", "tid must be a positive integer")
	}
	return tid, nil
}

// fail serves err as a top.Error: 404 unknown trade, 409 invalid transition
// or existing tid, 400 bad input, else as errorResponse says.
func (ti *tradeInternal) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, te, internal := internalError(err)
	level := slog.LevelInfo
	if internal {
		level = slog.LevelError
	}
	ti.log.LogAttrs(r.Context(), level, "internal call failed", slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.String("error", err.Error()))
	writeJSON(w, status, te)
}

func internalError(err error) (int, *top.Error, bool) {
	switch {
	case errors.Is(err, ErrTradeNotFound):
		return http.StatusNotFound, top.NewError(top.CodeRemoteServiceError, "isv.trade-not-exist", err.Error()), false
	case errors.Is(err, ErrInvalidTransition):
		return http.StatusConflict, top.NewError(top.CodeRemoteServiceError, "isv.invalid-transition", err.Error()), false
	case errors.Is(err, ErrTradeExists):
		return http.StatusConflict, top.NewError(top.CodeRemoteServiceError, "isv.trade-exists", err.Error()), false
	case errors.Is(err, ErrInvalidInput):
		return http.StatusBadRequest, top.NewError(top.CodeInvalidArguments, "isv.invalid-parameter", err.Error()), false
	}
	return errorResponse(err)
}
