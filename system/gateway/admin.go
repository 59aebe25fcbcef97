package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
)

// Announcer tells every node that metadata changed (metacache.Announce bound
// to the node's coordination layer and Redis).
type Announcer func(ctx context.Context, kind meta.Kind, id string) error

// AdminConfig configures the admin endpoints of a node.
type AdminConfig struct {
	Store    meta.Store // nil: no metadata API
	Announce Announcer
	Gatherer prometheus.Gatherer // nil: the default registry
	Health   func() error        // nil: always healthy
	Logger   *slog.Logger
	Clock    func() time.Time
}

// AdminHandler serves /healthz, /metrics, /debug/pprof/ and, with a store,
// the metadata API under /admin/meta/. Bind it to loopback: it has no auth.
func AdminHandler(cfg AdminConfig) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if cfg.Health != nil {
			if err := cfg.Health(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, "ok\n")
	})
	g := cfg.Gatherer
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if cfg.Store != nil {
		a := &adminMeta{cfg: cfg}
		mux.HandleFunc("GET /admin/meta/{kind}", a.list)
		mux.HandleFunc("GET /admin/meta/{kind}/{id}", a.get)
		mux.HandleFunc("PUT /admin/meta/{kind}/{id}", a.put)
		mux.HandleFunc("DELETE /admin/meta/{kind}/{id}", a.del)
		mux.HandleFunc("POST /admin/seed", a.seed)
	}
	return mux
}

type adminMeta struct{ cfg AdminConfig }

// adminError is the admin API's error body.
type adminError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, adminError{Error: fmt.Sprintf(format, args...)})
}

func (a *adminMeta) kind(w http.ResponseWriter, r *http.Request) (meta.Kind, bool) {
	k, ok := meta.KindOf(r.PathValue("kind"))
	if !ok {
		fail(w, http.StatusNotFound, "unknown kind %q; kinds: %v", r.PathValue("kind"), meta.Kinds)
	}
	return k, ok
}

func (a *adminMeta) list(w http.ResponseWriter, r *http.Request) {
	k, ok := a.kind(w, r)
	if !ok {
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	recs, err := a.cfg.Store.List(r.Context(), k, r.URL.Query().Get("after"), limit)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	out := make([]json.RawMessage, 0, len(recs))
	for _, rec := range recs {
		out = append(out, redact(k, rec.Body))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *adminMeta) get(w http.ResponseWriter, r *http.Request) {
	k, ok := a.kind(w, r)
	if !ok {
		return
	}
	rec, err := a.cfg.Store.Get(r.Context(), k, r.PathValue("id"))
	if errors.Is(err, meta.ErrNotFound) {
		fail(w, http.StatusNotFound, "%v", err)
		return
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, redact(k, rec.Body))
}

const redacted = "********"

// redact hides app secrets: the admin API never shows them back.
func redact(k meta.Kind, body []byte) json.RawMessage {
	if k != meta.KindApp {
		return body
	}
	var app meta.App
	if json.Unmarshal(body, &app) != nil {
		return body
	}
	app.Secret = redacted
	out, _ := json.Marshal(app)
	return out
}

func (a *adminMeta) put(w http.ResponseWriter, r *http.Request) {
	k, ok := a.kind(w, r)
	if !ok {
		return
	}
	obj, _ := meta.NewObject(k)
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		fail(w, http.StatusBadRequest, "decode %s: %v", k, err)
		return
	}
	if obj.ID() != r.PathValue("id") {
		fail(w, http.StatusBadRequest, "the body's id %q differs from the path's %q", obj.ID(), r.PathValue("id"))
		return
	}
	if app, ok := obj.(*meta.App); ok && (app.Secret == "" || app.Secret == redacted) {
		// A read-modify-write of an app keeps its secret, which reads never show.
		old, err := meta.Get[meta.App](r.Context(), a.cfg.Store, app.Key)
		if err != nil {
			fail(w, http.StatusBadRequest, "app %s: a new app needs its secret: %v", app.Key, err)
			return
		}
		app.Secret = old.Secret
	}
	version, err := meta.Put(r.Context(), a.cfg.Store, obj)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err := a.announce(r.Context(), k, obj.ID()); err != nil {
		fail(w, http.StatusInternalServerError, "stored as version %d but not announced: %v", version, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": k, "id": obj.ID(), "version": version})
}

func (a *adminMeta) del(w http.ResponseWriter, r *http.Request) {
	k, ok := a.kind(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := a.cfg.Store.Delete(r.Context(), k, id); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, meta.ErrNotFound) {
			status = http.StatusNotFound
		}
		fail(w, status, "%v", err)
		return
	}
	if err := a.announce(r.Context(), k, id); err != nil {
		fail(w, http.StatusInternalServerError, "deleted but not announced: %v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *adminMeta) announce(ctx context.Context, k meta.Kind, id string) error {
	if a.cfg.Announce == nil {
		return nil
	}
	return a.cfg.Announce(ctx, k, id)
}

// SeedRequest asks for bulk load-test tenants.
type SeedRequest struct {
	Apps           int `json:"apps"`
	SessionsPerApp int `json:"sessions_per_app"`
}

// seed writes N apps with M sessions each (meta.BulkTenants) and announces
// one bulk change, on which caches re-read their Bloom filters.
func (a *adminMeta) seed(w http.ResponseWriter, r *http.Request) {
	var req SeedRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "decode seed request: %v", err)
		return
	}
	if req.Apps < 1 || req.Apps > 100000 || req.SessionsPerApp < 0 || req.Apps*req.SessionsPerApp > 10_000_000 {
		fail(w, http.StatusBadRequest, "apps must be 1..100000 and apps x sessions at most 10,000,000")
		return
	}
	now := time.Now()
	if a.cfg.Clock != nil {
		now = a.cfg.Clock()
	}
	apps, sessions := meta.BulkTenants(req.Apps, req.SessionsPerApp, now)
	for _, write := range []func() ([]meta.Record, error){
		func() ([]meta.Record, error) { return meta.Encode(apps) },
		func() ([]meta.Record, error) { return meta.Encode(sessions) },
	} {
		recs, err := write()
		if err == nil {
			err = a.cfg.Store.PutMany(r.Context(), recs)
		}
		if err != nil {
			fail(w, http.StatusInternalServerError, "seed: %v", err)
			return
		}
	}
	if err := a.announce(r.Context(), metacache.KindBulk, ""); err != nil {
		fail(w, http.StatusInternalServerError, "seeded but not announced: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"apps": len(apps), "sessions": len(sessions)})
}
