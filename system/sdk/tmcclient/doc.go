// Package tmcclient is the ISV side of TMC, the message service: it holds a
// WebSocket to a push node, signs the CONNECT handshake, hands the pushed
// messages to the application's handler and confirms each one it handled.
//
//	c, err := tmcclient.New(tmcclient.Config{
//		URL:    "ws://127.0.0.1:8810/",
//		AppKey: appKey,
//		Secret: secret,
//		Handler: func(ctx context.Context, m *tmc.Message) error {
//			return store(ctx, m.DataID, m.Content) // nil confirms; an error leaves it to the server's resend
//		},
//	})
//	if err != nil {
//		return err
//	}
//	return c.Run(ctx) // until ctx ends, reconnecting as needed
//
// Delivery is at least once: the server resends what was not confirmed in
// time, so the client remembers the last DedupeWindow handled ids and
// confirms their resends without calling the handler again.
//
// Per connection there is one reader goroutine and one writer (Run's own
// goroutine, which sends the pulls, pings and confirms); the workers hand
// their confirms to the writer through a channel. The queues between reader
// and workers are bounded: when one is full the reader stops reading, and
// TCP flow control pushes back on the server instead of the client growing.
// The writer sends a burst of waiting confirms in one system call. With
// Config.Inline the reader calls the handler itself and writes the confirm,
// for handlers that return in microseconds: one goroutine per message
// instead of three, no queue. Confirms
// of messages handled while disconnected go out on the next connection.
// Every wait (heartbeat, pull, backoff) is on the injected clock.
package tmcclient
