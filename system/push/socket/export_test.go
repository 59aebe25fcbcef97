package socket

import "github.com/lesismal/nbio/nbhttp/websocket"

// SetAfterUpgrade sets the seam run on every upgraded connection (nil: none).
func SetAfterUpgrade(f func(*websocket.Conn)) { afterUpgrade = f }
