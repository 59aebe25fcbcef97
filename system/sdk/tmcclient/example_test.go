package tmcclient_test

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"os"
	"os/signal"

	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
)

// A consumer of trade messages: each message's content is decoded and
// stored; an error leaves it unconfirmed, so the server resends it later.
// (No Output: it needs a push node to talk to.)
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	c, err := tmcclient.New(tmcclient.Config{
		URL:     "ws://127.0.0.1:8810/",
		AppKey:  "12345678",
		Secret:  "app-secret",
		Workers: 4, // one DataID (tid) is still handled in order
		Logger:  slog.Default(),
		Handler: func(ctx context.Context, m *tmc.Message) error {
			var trade struct {
				Tid    int64  `json:"tid"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal([]byte(m.Content), &trade); err != nil {
				return err
			}
			log.Printf("%s: trade %d is %s", m.Topic, trade.Tid, trade.Status)
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Run(ctx); err != context.Canceled {
		log.Fatal(err)
	}
	log.Printf("stopped: %+v", c.Stats())
}
