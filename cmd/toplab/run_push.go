package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/sdk/tmcclient"
	"github.com/toplab/toplab/system/tmc"
)

// pushStream is the swarm of ISV clients on the push nodes: each client
// belongs to one push app, confirms as its behaviour says, and records every
// receipt in the zero-loss history and the first one's end-to-end latency
// (the change's or publish's time to now).
type pushStream struct {
	s       *scenarios.Scenario
	sys     *labSystem
	start   time.Time
	history *zeroloss.History
	seen    sync.Map // message key -> struct{}: first receipts
	rec     *loadgen.Recorder
	next    atomic.Uint32

	received, deliveries, connected atomic.Int64
	published                       atomic.Int64 // the stream's own messages the push nodes acknowledged
	lastReceived                    atomic.Int64

	mu    sync.Mutex
	stats tmcclient.Stats // summed over finished client sessions
}

var errNeverConfirm = errors.New("this client never confirms")

// messageKey identifies a message for one app: the change's topic, business
// key and time (a trade centre order changes at most once a second).
func messageKey(app, topic string, dataID, pubMs int64) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d", app, topic, dataID, pubMs)
	return int64(h.Sum64() >> 1)
}

func newPushStream(s *scenarios.Scenario, sys *labSystem, start time.Time) *pushStream {
	return &pushStream{s: s, sys: sys, start: start, history: zeroloss.New(), rec: loadgen.NewRecorder(8)}
}

// phaseAt is the phase running at now (the last one after the end).
func (ps *pushStream) phaseAt(now time.Time) int {
	if i, ok := ps.s.PhaseAt(now.Sub(ps.start)); ok {
		return i
	}
	return len(ps.s.Phases) - 1
}

// behaviourOf places a client's fixed draw u in the behaviours' split.
func behaviourOf(u float64, b scenarios.Behaviours) string {
	switch {
	case u < b.Prompt:
		return "prompt"
	case u < b.Prompt+b.Slow:
		return "slow"
	case u < b.Prompt+b.Slow+b.Never:
		return "never"
	}
	return "disconnect"
}

// run keeps the clients connected until ctx ends.
func (ps *pushStream) run(ctx context.Context) {
	p := ps.s.Streams.Push
	most := p.Clients
	for i := range ps.s.Phases {
		n, _ := ps.s.PushAt(i)
		most = max(most, n)
	}
	var wg sync.WaitGroup
	for i := range most {
		wg.Go(func() { ps.client(ctx, i) })
	}
	wg.Wait()
}

// client is one ISV connection: connected while the phase has at least i+1
// clients; a disconnecting client drops its connection every few seconds.
func (ps *pushStream) client(ctx context.Context, i int) {
	p := ps.s.Streams.Push
	rng := rand.New(rand.NewPCG(ps.s.Seed, uint64(i)))
	u := rng.Float64()
	appKey, secret := pushApp(i % p.Apps)
	for ctx.Err() == nil {
		n, b := ps.s.PushAt(ps.phaseAt(time.Now()))
		if i >= n {
			if sleepCtx(ctx, time.Second) != nil {
				return
			}
			continue
		}
		c, err := tmcclient.New(tmcclient.Config{
			URL: ps.sys.pushWS(i), AppKey: appKey, Secret: secret,
			ReconnectMin: 100 * time.Millisecond, ReconnectMax: 2 * time.Second,
			Deliver: func(m *tmc.Message, done func(error)) { ps.deliver(appKey, u, m, done) },
			Dial:    sourceDialer(i),
		})
		if err != nil {
			return
		}
		lctx, cancel := context.WithCancel(ctx)
		if behaviourOf(u, b) == "disconnect" { // drop the connection after a few seconds
			lctx, cancel = withLife(lctx, cancel, time.Duration(2000+rng.IntN(8000))*time.Millisecond)
		}
		// A phase with fewer clients disconnects this one; a phase change
		// alone does not (behaviours are read per message).
		go func() {
			for sleepCtx(lctx, time.Second) == nil {
				if n, _ := ps.s.PushAt(ps.phaseAt(time.Now())); i >= n {
					cancel()
				}
			}
		}()
		ps.connected.Add(1)
		_ = c.Run(lctx)
		ps.connected.Add(-1)
		cancel()
		ps.addStats(c.Stats())
	}
}

func (ps *pushStream) deliver(app string, u float64, m *tmc.Message, done func(error)) {
	now := time.Now()
	key := messageKey(app, m.Topic, m.DataID, m.PubTime.UnixMilli())
	ps.history.Receive(key)
	ps.deliveries.Add(1)
	if _, dup := ps.seen.LoadOrStore(key, struct{}{}); !dup {
		ps.received.Add(1)
		ps.lastReceived.Store(now.UnixNano())
		if !m.PubTime.Before(ps.start) {
			lat := max(now.Sub(m.PubTime), time.Millisecond/10)
			at := m.PubTime.Sub(ps.start)
			ps.rec.Shard(int(ps.next.Add(1)) % ps.rec.Shards()).Record(loadgen.Observation{
				Intended: at, Sent: at, Corrected: lat, Raw: lat, Outcome: loadgen.OutcomeOK})
		}
	}
	_, b := ps.s.PushAt(ps.phaseAt(now))
	switch behaviourOf(u, b) {
	case "slow":
		time.AfterFunc(ps.s.Streams.Push.SlowDelay, func() { done(nil) })
	case "never":
		done(errNeverConfirm)
	default:
		done(nil)
	}
}

func (ps *pushStream) addStats(s tmcclient.Stats) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	t := &ps.stats
	t.Connects += s.Connects
	t.Reconnects += s.Reconnects
	t.ConnectFailures += s.ConnectFailures
	t.Received += s.Received
	t.Duplicates += s.Duplicates
	t.HandlerErrors += s.HandlerErrors
	t.ConfirmsSent += s.ConfirmsSent
	t.PullsSent += s.PullsSent
	t.BadFrames += s.BadFrames
}

// ackChanges adds every change of the trade centre's log whose seller
// permits a push app to the history as attempted and acknowledged: the trade
// centre committed it, so the app must receive it. It returns the count.
func (ps *pushStream) ackChanges(ctx context.Context) (int, error) {
	apps := ps.s.Streams.Push.Apps
	n := 0
	for after := int64(0); ; {
		var page struct {
			Changes []backend.Change `json:"changes"`
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			ps.sys.backendURL+"/internal/changes?limit=1000&after="+strconv.FormatInt(after, 10), nil)
		if err != nil {
			return n, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return n, fmt.Errorf("read the change log: %w", err)
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return n, fmt.Errorf("read the change log: %w", err)
		}
		if len(page.Changes) == 0 {
			return n, nil
		}
		for _, ch := range page.Changes {
			after = ch.Seq
			idx, ok := strings.CutPrefix(ch.Content.SellerNick, "seller_")
			j, err := strconv.Atoi(idx)
			if !ok || err != nil || j < 1 {
				continue // the demo seller permits no push app
			}
			app, _ := pushApp(pushAppOf(j, apps))
			key := messageKey(app, ch.Topic, ch.Content.Tid, ch.TimeMs)
			ps.history.Attempt(key)
			ps.history.Ack(key)
			n++
		}
	}
}

// summary is the end-to-end latency of first receipts, by publish second.
func (ps *pushStream) summary() (*loadgen.Summary, error) {
	sum, err := ps.rec.Summary(ps.start)
	if err != nil {
		return nil, err
	}
	sum.Name, sum.Model = "push e2e", loadgen.ModelOpen
	return sum, nil
}

func (ps *pushStream) clientStats() tmcclient.Stats {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.stats
}

// withLife bounds a context to life, returning a cancel that also stops
// the timer.
func withLife(ctx context.Context, cancel context.CancelFunc, life time.Duration) (context.Context, context.CancelFunc) {
	t := time.AfterFunc(life, cancel)
	return ctx, func() { t.Stop(); cancel() }
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pushSources is how many loopback source addresses the clients spread over
// (127.0.0.2 ...), so large swarms are not bound by one address's ephemeral ports.
const pushSources = 8

// sourceDialer binds client i's connections to one of the source addresses.
func sourceDialer(i int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%pushSources))}}
	return d.DialContext
}
