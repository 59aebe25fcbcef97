// Package socket is the push node's WebSocket server: it carries TMC binary
// frames (system/tmc) over long-lived connections and hands each decoded
// frame to a Handler.
//
// The node must hold 100k idle connections (1M later) at no more than 10 KB
// of server memory each, so nothing here is per-connection that need not be:
// no goroutine and no read or write buffer while a connection is idle. The
// transport is nbio's epoll engine (github.com/lesismal/nbio: nbhttp plus its
// websocket upgrader, non-blocking IO mode): a few poller goroutines read
// every socket into one shared buffer per poller, a partial message borrows a
// pooled buffer only until it completes, and a write the kernel cannot take
// at once is queued in pooled buffers only until it drains. Handler callbacks
// run on nbio's task pool, serialised per connection, so OnFrame sees a
// connection's frames in order and OnClose comes after the last of them.
//
// Timeouts after the upgrade are not timers per connection: one sweeper walks
// the connections every quarter of the shorter timeout on the injected clock.
// Before the upgrade, nbio's own read deadline (wall clock) bounds how long a
// connection may take to send its HTTP request.
//
// nbio logs through a process-wide logger; the first Listen routes its
// warnings and errors to slog.Default and drops its info and debug lines.
package socket
