package store

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

func TestReadAcrossTiers(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := testConfig(clk)
	cfg.WarmSegments = 2
	s := openStore(t, t.TempDir(), cfg)
	ctx := context.Background()

	first := []byte("the first entry")
	ids, err := s.Append(ctx, []Entry{{Queue: "app/g", TimeMs: clk.Now().UnixMilli(), Payload: first}})
	if err != nil {
		t.Fatal(err)
	}
	read := func(id int64, want Tier, payload []byte) {
		t.Helper()
		e, tier, err := s.Read("app/g", id)
		if err != nil {
			t.Fatalf("Read(%d): %v", id, err)
		}
		if tier != want || e.ID != id || e.Queue != "app/g" || !bytes.Equal(e.Payload, payload) {
			t.Fatalf("Read(%d) = %+v from %v, want %q from %v", id, e, tier, payload, want)
		}
	}
	read(ids[0], TierHot, first)

	clk.Advance(cfg.withDefaultsT(t).HotWindow + time.Second)
	read(ids[0], TierWarm, first)

	// Roll two more segments: the first one falls out of the warm tier.
	big := bytes.Repeat([]byte("b"), 1500)
	var last int64
	for range 6 {
		got, err := s.Append(ctx, []Entry{{Queue: "app/g", TimeMs: clk.Now().UnixMilli(), Payload: big}})
		if err != nil {
			t.Fatal(err)
		}
		last = got[0]
	}
	if n := s.Stats().Segments; n < 3 {
		t.Fatalf("%d segments, want >= 3", n)
	}
	read(last, TierHot, big)
	clk.Advance(11 * time.Second)
	read(ids[0], TierCold, first)
	read(last, TierWarm, big)

	st := s.Stats()
	if st.ReadsHot != 2 || st.ReadsWarm != 2 || st.ReadsCold != 1 {
		t.Fatalf("reads hot/warm/cold = %d/%d/%d, want 2/2/1", st.ReadsHot, st.ReadsWarm, st.ReadsCold)
	}
}

// withDefaultsT resolves the defaults for tests that need them.
func (c Config) withDefaultsT(t *testing.T) Config {
	t.Helper()
	c, err := c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHotTierEvictsByAgeAndBytes(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := testConfig(clk)
	cfg.HotMaxBytes = 100
	s := openStore(t, t.TempDir(), cfg)
	m := newModel()
	ids := appendN(t, s, m, "a/b", 10, clk.Now().UnixMilli()) // payloads of ~20-30 bytes: only the newest few fit in 100
	if n, b := s.hot.size(); n == 0 || n >= 10 || b > 100 {
		t.Fatalf("hot tier holds %d entries, %d bytes; want 1..9 entries within 100 bytes", n, b)
	}
	if _, tier, _ := s.Read("a/b", ids[9]); tier != TierHot {
		t.Fatalf("newest entry served from %v, want hot", tier)
	}
	if _, tier, _ := s.Read("a/b", ids[0]); tier != TierWarm {
		t.Fatalf("oldest entry served from %v, want warm", tier)
	}
	clk.Advance(11 * time.Second)
	s.maintain(context.Background())
	if n, _ := s.hot.size(); n != 0 {
		t.Fatalf("hot tier holds %d entries after the window, want 0", n)
	}
	checkModel(t, s, m)
}

func TestHotTierDisabled(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	cfg.HotWindow = -1
	s := openStore(t, t.TempDir(), cfg)
	m := newModel()
	ids := appendN(t, s, m, "a/b", 3, 1)
	if _, tier, err := s.Read("a/b", ids[2]); err != nil || tier != TierWarm {
		t.Fatalf("Read = %v, %v; want warm", tier, err)
	}
}

func TestPendingConfirm(t *testing.T) {
	clk := clock.NewFake(t0)
	s := openStore(t, t.TempDir(), testConfig(clk))
	ctx := context.Background()
	m := newModel()
	a := appendN(t, s, m, "app/a", 5, 100)
	b := appendN(t, s, m, "app/b", 3, 200)

	if got := s.Queues(); !slices.Equal(got, []string{"app/a", "app/b"}) {
		t.Fatalf("Queues = %v", got)
	}
	tests := []struct {
		name  string
		queue string
		ids   []int64
		want  int
	}{
		{"other queue's ids are ignored", "app/a", b, 0},
		{"unknown ids are ignored", "app/a", []int64{-1, 0, 999999}, 0},
		{"unknown queue", "app/zzz", a, 0},
		{"two of a, with a duplicate", "app/a", []int64{a[1], a[3], a[1]}, 2},
		{"already confirmed", "app/a", []int64{a[1], a[3]}, 0},
		{"mixed", "app/a", []int64{a[0], a[1], b[0]}, 1},
		{"empty", "app/a", nil, 0},
	}
	for _, tc := range tests {
		n, err := s.Confirm(ctx, tc.queue, tc.ids)
		if err != nil || n != tc.want {
			t.Fatalf("%s: Confirm = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	if got := s.Pending("app/a", 0, 10); len(got) != 2 || got[0].ID != a[2] || got[1].ID != a[4] || got[0].TimeMs != 100 {
		t.Fatalf("Pending(app/a) = %+v, want ids %d,%d", got, a[2], a[4])
	}
	if got := s.Pending("app/a", a[2], 10); len(got) != 1 || got[0].ID != a[4] {
		t.Fatalf("Pending after %d = %+v", a[2], got)
	}
	if got := s.Pending("app/b", 0, 2); len(got) != 2 || got[0].ID != b[0] || got[1].ID != b[1] {
		t.Fatalf("Pending(app/b, max 2) = %+v", got)
	}
	if got := s.Pending("app/b", 0, 0); len(got) != 0 {
		t.Fatalf("Pending max 0 = %+v", got)
	}
	if _, _, err := s.Read("app/a", b[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read of another queue's id: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Read("app/a", 424242); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read of an unknown id: %v, want ErrNotFound", err)
	}
	if n, _ := s.Confirm(ctx, "app/b", b); n != 3 {
		t.Fatalf("Confirm all of b = %d", n)
	}
	if got := s.Queues(); !slices.Equal(got, []string{"app/a"}) {
		t.Fatalf("Queues after b drained = %v", got)
	}
	st := s.Stats()
	if st.Appended != 8 || st.Confirmed != 6 || st.Unconfirmed != 2 || st.Queues != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIDsFollowIDBase(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	cfg.IDBase = 7 << 48
	s := openStore(t, t.TempDir(), cfg)
	ids, err := s.Append(context.Background(), []Entry{{Queue: "q/1", Payload: []byte("a")}, {Queue: "q/2", Payload: []byte("b")}, {Queue: "q/1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int64{7<<48 + 1, 7<<48 + 2, 7<<48 + 3}) {
		t.Fatalf("ids %v", ids)
	}
	if e, _, err := s.Read("q/1", ids[2]); err != nil || len(e.Payload) != 0 {
		t.Fatalf("empty payload read back as %q, %v", e.Payload, err)
	}
}

func TestInvalidEntriesAndClosed(t *testing.T) {
	cfg := testConfig(clock.NewFake(t0))
	cfg.MaxPayloadBytes = 10
	s := openStore(t, t.TempDir(), cfg)
	ctx := context.Background()
	for _, e := range []Entry{{Queue: ""}, {Queue: strings.Repeat("q", 201)}, {Queue: "a/b", Payload: make([]byte, 11)}} {
		if _, err := s.Append(ctx, []Entry{{Queue: "ok/ok"}, e}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Append(%d-byte queue, %d-byte payload): %v, want ErrInvalid", len(e.Queue), len(e.Payload), err)
		}
	}
	if st := s.Stats(); st.Appended != 0 {
		t.Fatalf("an invalid call stored %d entries", st.Appended)
	}
	ids, err := s.Append(ctx, []Entry{{Queue: strings.Repeat("q", 200), Payload: make([]byte, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Append(cancelled, []Entry{{Queue: "a/b"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append with a cancelled context: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Append(ctx, []Entry{{Queue: "a/b"}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := s.Confirm(ctx, "a/b", ids); !errors.Is(err, ErrClosed) {
		t.Fatalf("Confirm after Close: %v", err)
	}
	if _, _, err := s.Read("a/b", ids[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}

func TestTierString(t *testing.T) {
	for tier, want := range map[Tier]string{TierHot: "hot", TierWarm: "warm", TierCold: "cold", Tier(9): "Tier(9)"} {
		if got := tier.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(tier), got, want)
		}
	}
}

func TestCallLargerThanASegment(t *testing.T) {
	clk := clock.NewFake(t0)
	cfg := testConfig(clk) // 4 KiB segments
	dir := t.TempDir()
	s := openStore(t, dir, cfg)
	m := newModel()
	appendN(t, s, m, "big/q", 3, clk.Now().UnixMilli())
	big := bytes.Repeat([]byte("B"), 10<<10)
	ids, err := s.Append(context.Background(), []Entry{{Queue: "big/q", TimeMs: clk.Now().UnixMilli(), Payload: big}, {Queue: "big/q", TimeMs: clk.Now().UnixMilli(), Payload: big}})
	if err != nil {
		t.Fatal(err)
	}
	m.add("big/q", ids[0], big)
	m.add("big/q", ids[1], big)
	appendN(t, s, m, "big/q", 3, clk.Now().UnixMilli())
	checkModel(t, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkModel(t, openStore(t, dir, cfg), m)
}
