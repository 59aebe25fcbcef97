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
