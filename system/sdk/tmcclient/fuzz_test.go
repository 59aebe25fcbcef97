package tmcclient

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/tmc"
)

// FuzzDispatch feeds arbitrary bytes to the client's frame handling path, as
// a server's binary WebSocket message, twice in a row. It must never panic;
// a valid data message is queued once and its copy counted as a duplicate;
// anything else leaves nothing in flight that is not queued.
func FuzzDispatch(f *testing.F) {
	seed := func(fr *tmc.Frame) {
		b, err := tmc.AppendFrame(nil, fr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	m := msg(42)
	m.OutTime = time.UnixMilli(1762790400500)
	m.Publisher, m.Nick, m.UserID = "12345678", "seller", 7
	seed(m.ToFrame())
	seed((&tmc.Confirm{Token: "t", ID: 42}).ToFrame())
	seed((&tmc.Pull{Token: "t"}).ToFrame())
	seed((&tmc.SendAck{Flag: 1}).ToFrame())
	seed((&tmc.SendAck{Flag: 1, StatusCode: 401, StatusPhrase: "bad token"}).ToFrame())
	seed((&tmc.ConnectAck{Token: "t"}).ToFrame())
	hello := tmc.Connect{AppKey: "k", Timestamp: 1}
	hello.SignWith("s")
	seed(hello.ToFrame())
	noID := m.ToFrame()
	noID.Custom = noID.Custom[:1] // __kind only
	seed(noID)
	f.Add([]byte{})
	f.Add([]byte{2, 2, 0, 0})
	f.Add([]byte{2, 2, 1, 0, 6, 0, 0, 0})

	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := New(Config{
			URL: "ws://127.0.0.1:1/", AppKey: "k", Secret: "s", QueueSize: 4, DedupeWindow: 8,
			Handler: func(context.Context, *tmc.Message) error { return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		stopped := make(chan struct{})
		close(stopped) // never wait for queue space
		var fr tmc.Frame
		sess := &session{c: c, done: stopped}
		err1 := c.dispatch(&fr, b, sess)
		err2 := c.dispatch(&fr, b, sess)

		s := c.Stats()
		if queued := len(c.queues[0]); s.Queued != queued {
			t.Fatalf("%d ids in flight, %d messages queued", s.Queued, queued)
		}
		valid := false
		if in, err := tmc.DecodeFrame(b, tmc.Limits{}); err == nil {
			_, err = tmc.MessageFromFrame(in)
			valid = err == nil
		}
		if valid && (err1 != nil || err2 != nil || s.Received != 2 || s.Duplicates != 1 || s.Queued != 1) {
			t.Fatalf("valid message: errors %v, %v; stats %+v", err1, err2, s)
		}
		if !valid && (err1 == nil) != (err2 == nil) {
			t.Fatalf("the same bytes gave %v, then %v", err1, err2)
		}
		if !valid && s.Received != 0 {
			t.Fatalf("invalid frame counted as received: %+v", s)
		}
	})
}
