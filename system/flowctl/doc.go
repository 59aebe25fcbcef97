// Package flowctl is the gateway's multi-dimensional flow control.
//
// Every API call (and every sub-call of a batch) asks a Limiter once with the
// app key, the API name and the app's traffic group. Up to five fixed windows
// are checked, longest first: the app's daily quota, the app x API daily and
// per-second limits, the API's per-minute and per-second totals over all apps
// (the per-second total optionally split among traffic groups by ratio and
// priority). A call is admitted only when every window has room, and only then
// is each window's count taken: a rejection consumes nothing. A rejection is
// TOP error 7 with the sub-code of the window that refused and the seconds
// until it rolls over. Daily windows roll over at local midnight of the rules'
// time zone (Asia/Shanghai by default).
//
// Limiters: Local counts on one machine (explicit rules hold their counters;
// the counters of default rules, one per app or app x API pair, live in a
// bounded W-TinyLFU cache); RedisExact runs one atomic Lua script per decision
// on Redis time; Leased leases each node a demand-weighted share of every
// limit from Redis and enforces it locally. Both Redis limiters fall back to a
// Local limiter holding the node's share (limit / live nodes) while Redis is
// unreachable.
package flowctl
