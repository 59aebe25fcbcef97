// Package nbioguard holds what the push node's WebSocket server and the
// lab's connection swarm both need around nbio: a start-up guard (an engine
// stopped before its pollers ran spins forever in Stop, so WarmPollers makes
// every poller handle one event first) and routing nbio's process-wide
// logger to slog.
package nbioguard
