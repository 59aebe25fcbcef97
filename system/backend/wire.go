// Package backend holds the simulated HSF services behind the gateway: the
// trade centre (the source of truth for orders, with a durable change log the
// message service consumes), the item centre and the user centre, each with a
// configurable latency model.
//
// The gateway calls a backend over HTTP keep-alive: POST {Route}/api/{method}
// with the API's business parameters (system parameters removed) as an
// application/x-www-form-urlencoded body and the caller's identity in headers.
// A success is 200 with the JSON object of the result fields, e.g.
// {"trade":{...}}; the gateway wraps it in the TOP envelope. A failure is a
// non-200 status with a JSON top.Error object ({"code":15,"msg":...,
// "sub_code":"isv.trade-not-exist","sub_msg":...}); 4xx for the caller's
// fault (isv.*), 5xx for the service's (isp.*).
//
// # Services
//
// New builds a Node: one http.Handler serving every Service under
// /api/{method}, /healthz, /metrics (Prometheus: a request counter and a
// latency histogram per method) and the trade centre's /internal/ API.
// Statuses: 404 with code 22 isv.invalid-method for an unknown method, 400
// with code 40 isv.missing-parameter:NAME or 41 isv.invalid-parameter:NAME
// for bad parameters, 401 without an identity header where a user is
// needed, 404 for isv.*-not-exist, 413 for an oversized body.
//
// Each method waits out a modelled latency (Latency: log-normal from p50 and
// p99, plus spikes) on the injected clock before it answers.
//
// # Trade centre
//
// Orders live in SQLite (WAL, one writer connection). Every order write
// appends its change-log entries in the same transaction, numbered by a
// sequence in commit order; consumers read them from a cursor
// (TradeCentre.ChangesAfter, GET /internal/changes) at least once. An
// order's modified follows the modified rule (see nextModified): it never
// repeats nor goes back, so the latest version has the greatest modified.
// taobao.trades.sold.increment.get windows are inclusive at both ends.
//
// # Item and user centres
//
// Generated on demand from Config.Seed: demo_seller and seller_0001 ...
// with the same catalogue on every node of the same seed.
package backend

// Paths and headers of the gateway-to-backend contract.
const (
	APIPathPrefix = "/api/" // followed by the method name

	HeaderRequestID = "X-Top-Request-Id" // the gateway's request_id, logged by the backend
	HeaderAppKey    = "X-Top-App-Key"    // the calling app
	HeaderUserID    = "X-Top-User-Id"    // the authorised user (from the session), if any
	HeaderUserNick  = "X-Top-User-Nick"  // that user's nick (a seller's nick for trade APIs)
)

// The fields parameter arrives in the body already trimmed by the gateway to
// the app's field level; a backend returns only the fields it names.
