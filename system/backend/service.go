package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// Service is one backend centre: a set of API methods behind the gateway.
type Service interface {
	// Name is the service's name in latency configs and metrics ("trade").
	Name() string
	// Methods lists the API names served, e.g. taobao.trade.fullinfo.get.
	Methods() []string
	// Call appends the JSON object of the result fields to dst. A failure is
	// a *top.Error (isv.* for the caller's fault) or any other error, served
	// as isp.remote-service-error. req is valid only during the call.
	Call(ctx context.Context, req *Request, dst []byte) ([]byte, error)
}

// Request is one API call as the gateway forwards it.
type Request struct {
	Method    string
	Params    *top.Params // business parameters, system parameters removed
	RequestID string      // HeaderRequestID
	AppKey    string      // HeaderAppKey
	UserID    string      // HeaderUserID
	UserNick  string      // HeaderUserNick
}

// apiMethod is a served method with its latency model and metrics.
type apiMethod struct {
	service Service
	latency latencyModel
	metrics *methodMetrics
}

// apiHandler serves POST /api/{method} for every registered Service.
type apiHandler struct {
	methods  map[string]*apiMethod
	unknown  *methodMetrics
	delay    *delayer
	clock    clock.Clock
	log      *slog.Logger
	maxBody  int64
	limits   top.Limits
	bufs     sync.Pool // *bytes.Buffer
	requests sync.Pool // *Request with its Params
}

func newAPIHandler(cfg *Config, m *metrics, delay *delayer, services ...Service) (*apiHandler, error) {
	h := &apiHandler{
		methods: map[string]*apiMethod{},
		unknown: m.forMethod("none", "unknown"),
		delay:   delay,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		maxBody: cfg.MaxBodyBytes,
	}
	h.bufs.New = func() any { return new(bytes.Buffer) }
	h.requests.New = func() any { return &Request{Params: new(top.Params)} }
	for _, s := range services {
		for _, name := range s.Methods() {
			if _, dup := h.methods[name]; dup {
				return nil, errors.New("method " + name + " served twice")
			}
			h.methods[name] = &apiMethod{
				service: s,
				latency: newLatencyModel(cfg.Latency.lookup(s.Name(), name)),
				metrics: m.forMethod(s.Name(), name),
			}
		}
	}
	return h, nil
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.clock.Now()
	name := r.PathValue("method")
	m := h.methods[name]
	mm := h.unknown
	if m != nil {
		mm = m.metrics
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	req := h.requests.Get().(*Request)
	req.Params.Reset()
	status, err := h.serve(w, r, name, m, req, buf)
	if err != nil {
		var te *top.Error
		var internal bool
		status, te, internal = errorResponse(err)
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(te) // cannot fail for a top.Error
		h.logFailure(r, name, status, te, err, internal)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	mm.count(status)
	mm.duration.Observe(h.clock.Since(start).Seconds())
	if h.log.Enabled(r.Context(), slog.LevelDebug) {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "api call", slog.String("request_id", r.Header.Get(HeaderRequestID)),
			slog.String("method", name), slog.Int("status", status), slog.Duration("took", h.clock.Since(start)))
	}
	if buf.Cap() <= 1<<20 { // keep huge page results from pinning memory
		h.bufs.Put(buf)
	}
	*req = Request{Params: req.Params}
	h.requests.Put(req)
}

// serve reads and answers one call into buf, returning the HTTP status.
func (h *apiHandler) serve(w http.ResponseWriter, r *http.Request, name string, m *apiMethod, req *Request, buf *bytes.Buffer) (int, error) {
	if r.Method != http.MethodPost {
		return 0, withStatus(http.StatusMethodNotAllowed, top.Errorf(top.CodeHTTPActionNotAllowed, "isv.http-action-not-allowed", "use POST"))
	}
	if m == nil {
		return 0, withStatus(http.StatusNotFound, top.Errorf(top.CodeInvalidMethod, "isv.invalid-method", "method %q is not served here", truncateForError(name)))
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return 0, withStatus(http.StatusRequestEntityTooLarge, top.Errorf(top.CodeParameterError, "isv.request-too-large", "request body larger than %d bytes", h.maxBody))
		}
		return 0, withStatus(http.StatusBadRequest, top.Errorf(top.CodeParameterError, "isv.bad-request", "reading the body: %v", err))
	}
	if e := req.Params.ParseForm(buf.String(), h.limits); e != nil {
		return 0, e
	}
	req.Method = name
	req.RequestID = r.Header.Get(HeaderRequestID)
	req.AppKey = r.Header.Get(HeaderAppKey)
	req.UserID = r.Header.Get(HeaderUserID)
	req.UserNick = r.Header.Get(HeaderUserNick)
	ctx := r.Context()
	if err := h.delay.wait(ctx, h.delay.draw(m.latency)); err != nil {
		return 0, err
	}
	buf.Reset()
	out, err := m.service.Call(ctx, req, buf.AvailableBuffer())
	if err != nil {
		return 0, err
	}
	buf.Write(out)
	return http.StatusOK, nil
}

// logFailure logs a failed call: caller faults at Info, backend faults at
// Error with the cause. Only ids and codes are logged: never the body, which
// may carry buyers' data, nor credentials.
func (h *apiHandler) logFailure(r *http.Request, name string, status int, te *top.Error, cause error, internal bool) {
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("request_id", r.Header.Get(HeaderRequestID)),
		slog.String("app_key", r.Header.Get(HeaderAppKey)),
		slog.String("method", truncateForError(name)),
		slog.Int("status", status),
		slog.String("sub_code", te.SubCode),
	}
	if internal {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", cause.Error()))
	}
	h.log.LogAttrs(r.Context(), level, "api call failed", attrs...)
}

// readJSON decodes a bounded JSON body strictly (unknown fields are errors,
// so a typo in a load script fails loudly).
func readJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return withStatus(http.StatusRequestEntityTooLarge, top.Errorf(top.CodeParameterError, "isv.request-too-large", "request body larger than %d bytes", max))
		}
		return withStatus(http.StatusBadRequest, top.Errorf(top.CodeParameterError, "isv.invalid-json", "%v", err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return withStatus(http.StatusBadRequest, top.Errorf(top.CodeParameterError, "isv.invalid-json", "one JSON value expected"))
	}
	return nil
}

// writeJSON serves v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
