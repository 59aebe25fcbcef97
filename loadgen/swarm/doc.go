// Package swarm is the lab's client swarm for connection tests: it opens
// many WebSocket connections to a push node and holds them.
//
// The swarm must itself be cheap per connection, or the machine runs out
// before the server does. A bounded pool of dial workers does the blocking
// part of each connection (TCP connect from a source address, HTTP upgrade,
// the optional first frame and its reply); the open connection is then
// handed to an nbio epoll engine, so an idle connection costs a socket and a
// few hundred bytes: no goroutine, no buffer (a partial inbound frame borrows
// one until it completes).
//
// One source IP gives about 28k ephemeral ports per destination, so 100k
// connections to one server take several: SourceIPs(n) lists 127.0.0.2 and
// up, which Linux routes to loopback without configuration, and sockets
// bind them with IP_BIND_ADDRESS_NO_PORT so the port is picked per
// destination at connect time. DialIdle raises RLIMIT_NOFILE as far as the
// process may.
package swarm
