package tmcclient

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/tmc"
)

// held collects Deliver-mode messages and their done funcs.
type held struct {
	mu    sync.Mutex
	msgs  []*tmc.Message
	dones []func(error)
}

func (h *held) deliver(m *tmc.Message, done func(error)) {
	h.mu.Lock()
	h.msgs = append(h.msgs, m)
	h.dones = append(h.dones, done)
	h.mu.Unlock()
}

func (h *held) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.msgs)
}

func (h *held) report(i int, err error) {
	h.mu.Lock()
	done := h.dones[i]
	h.mu.Unlock()
	done(err)
}

// Deliver mode: messages are handed over without waiting; a confirm goes out
// only when done(nil) is reported (in any order), an error leaves the message
// for the resend, and a second report is ignored.
func TestDeliverConfirmsWhenReported(t *testing.T) {
	p := newPeer(t)
	var h held
	c := newTestClient(t, p, nil, func(cfg *Config) { cfg.Handler, cfg.Deliver = nil, h.deliver })
	start(t, c)
	pc := p.next(t)
	for id := int64(1); id <= 3; id++ {
		if err := pc.send(msg(id)); err != nil {
			t.Fatal(err)
		}
	}
	// All three are handed over although none is reported: one worker does not block on them.
	eventually(t, "three messages held", func() bool { return h.count() == 3 })
	h.report(2, nil)
	if got := pc.nextConfirm(t); got != 3 {
		t.Fatalf("confirm %d, want 3 (reported first)", got)
	}
	h.report(0, errors.New("write failed"))
	h.report(0, nil) // ignored: the first report stands
	h.report(1, nil)
	if got := pc.nextConfirm(t); got != 2 {
		t.Fatalf("confirm %d, want 2 (1 failed)", got)
	}
	eventually(t, "stats", func() bool { s := c.Stats(); return s.Handled == 2 && s.HandlerErrors == 1 && s.Queued == 0 })

	// The failed one comes back and is delivered again, not taken for a duplicate.
	if err := pc.send(msg(1)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "resend delivered", func() bool { return h.count() == 4 })
	h.report(3, nil)
	if got := pc.nextConfirm(t); got != 1 {
		t.Fatalf("confirm %d, want 1", got)
	}
}

// At most QueueSize messages are held unreported; the next waits for a slot.
func TestDeliverBoundsHeldMessages(t *testing.T) {
	p := newPeer(t)
	var h held
	c := newTestClient(t, p, nil, func(cfg *Config) { cfg.Handler, cfg.Deliver, cfg.QueueSize = nil, h.deliver, 2 })
	stop := start(t, c)
	pc := p.next(t)
	for id := int64(1); id <= 4; id++ {
		if err := pc.send(msg(id)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two held", func() bool { return h.count() == 2 })
	eventually(t, "the rest received", func() bool { return c.Stats().Received >= 3 })
	if n := h.count(); n != 2 {
		t.Fatalf("%d messages held with a queue size of 2", n)
	}
	h.report(0, nil)
	eventually(t, "a third handed over after a report", func() bool { return h.count() == 3 })

	// Run waits for the held messages to be reported.
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case <-stopped:
		t.Fatal("Run returned with messages still held")
	case <-time.After(50 * time.Millisecond):
	}
	h.report(1, errors.New("shutting down"))
	h.report(2, errors.New("shutting down"))
	select {
	case <-stopped:
	case <-time.After(safety):
		t.Fatal("Run did not return once every held message was reported")
	}
}
