package socket

import "github.com/lesismal/nbio/nbhttp/websocket"

// SetAfterUpgrade sets the seam run on every upgraded connection (nil: none).
func SetAfterUpgrade(f func(*websocket.Conn)) { afterUpgrade = f }

// ExecutorCounts is how many read callbacks workers ran and how many got a
// goroutine of their own.
func ExecutorCounts(s *Server) (handed, spawned uint64) {
	return s.exec.Counts()
}
