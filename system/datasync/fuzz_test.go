package datasync

import (
	"log/slog"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// Any message content is either held for its order (a positive tid) or
// confirmed at once; nothing panics and nothing is left unreported.
func FuzzReceive(f *testing.F) {
	for _, s := range []string{`{"tid":1,"seller_nick":"s"}`, `{"tid":-1}`, `{"tid":"1"}`, `[]`, ``, `{"tid":9223372036854775807}`, `{"tid":1e3}`} {
		f.Add("taobao_trade_TradeCreate", s)
	}
	f.Fuzz(func(t *testing.T, topic, content string) {
		w := &Worker{cfg: Config{Logger: discardLogger()}}
		w.merger = newMerger(clock.NewFake(time.Unix(0, 0)), time.Second, 10, func(int) {})
		reported := false
		w.receive(&tmc.Message{ID: 1, Topic: topic, Content: content}, func(err error) { reported = true })
		held := w.merger.size()
		if held+boolInt(reported) != 1 {
			t.Fatalf("content %q: held %d, reported %v", content, held, reported)
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
