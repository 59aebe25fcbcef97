package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/scenarios"
)

// publish sends the push stream's own messages (phases with a push shape)
// to the push nodes' internal API at the shape's pace, each to one seller
// and so to the one push app it permits; acknowledged ones must arrive.
func (r *labRun) publish(ctx context.Context) {
	s := r.s
	peak := s.Peak(scenarios.StreamPush, r.caps[scenarios.StreamPush])
	seq, err := streamPacer(s, scenarios.StreamPush, peak)
	if err != nil {
		r.faults.add("push publisher: %v", err)
		return
	}
	sched := loadgen.NewSchedule(seq)
	sellers := backendSellerCount(s)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	defer wg.Wait()
	client := &http.Client{Timeout: 10 * time.Second}
	for n := uint64(0); ; n++ {
		at, ok := sched.Elapsed(n)
		if !ok || at > s.TotalDuration() || sleepCtx(ctx, time.Until(r.start.Add(at))) != nil {
			return
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			j := int(n)%sellers + 1
			app, _ := pushApp(pushAppOf(j, s.Streams.Push.Apps))
			now := time.Now().UnixMilli()
			key := messageKey(app, labTopic, int64(n+1), now)
			r.push.history.Attempt(key)
			body, _ := json.Marshal(map[string]any{"messages": []map[string]any{{
				"topic": labTopic, "content": json.RawMessage(fmt.Sprintf(`{"n":%d}`, n+1)), "nick": labSellerName(j),
				"data_id": n + 1, "publisher": labProducerApp, "pub_time_ms": now}}})
			for try := range 20 {
				res, err := client.Post(r.sys.pushInternal(int(n)+try)+"/internal/publish", "application/json", bytes.NewReader(body))
				if err == nil {
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						r.push.history.Ack(key)
						r.push.published.Add(1)
						return
					}
				}
				if sleepCtx(ctx, 50*time.Millisecond) != nil {
					return
				}
			}
		})
	}
}
