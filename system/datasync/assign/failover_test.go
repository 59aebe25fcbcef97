package assign_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/datasync/assign"
)

var epoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

const (
	interval = 10 * time.Second
	step     = 500 * time.Millisecond // how finely the fake time is checked
	poll     = 100 * time.Millisecond // the coordinator's notice poll
	tasks    = 60
)

// crashable is a coordinator that can die with its process: after crash it
// neither leaves nor announces, as a kill -9 would.
type crashable struct {
	coord.Coord
	crashed atomic.Bool
}

func (c *crashable) Leave(ctx context.Context, group, member string) error {
	if c.crashed.Load() {
		return nil
	}
	return c.Coord.Leave(ctx, group, member)
}

func (c *crashable) Publish(ctx context.Context, topic string, payload []byte) error {
	if c.crashed.Load() {
		return nil
	}
	return c.Coord.Publish(ctx, topic, payload)
}

// member is one worker process: its own coordinator on the shared file.
type member struct {
	id     string
	a      *assign.Assigner
	co     *crashable
	start  time.Time // its beats fall at start + k interval
	cancel context.CancelFunc
	done   chan struct{}
	alive  bool
}

// cluster drives members on one fake clock and checks ownership at every step.
type cluster struct {
	t       *testing.T
	clk     *clock.Fake
	path    string
	members map[string]*member
	// ownerless[task] is when the task was first seen with no alive owner.
	ownerless map[uint64]time.Time
	maxGap    time.Duration
}

func newCluster(t *testing.T) *cluster {
	return &cluster{t: t, clk: clock.NewFake(epoch), path: filepath.Join(t.TempDir(), "coord.db"),
		members: map[string]*member{}, ownerless: map[uint64]time.Time{}}
}

func (c *cluster) start(id string) *member {
	c.t.Helper()
	co, err := coord.OpenSQLite(c.path, coord.SQLiteOptions{Clock: c.clk, PollInterval: poll})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { co.Close() })
	m := &member{id: id, co: &crashable{Coord: co}, start: c.clk.Now(), done: make(chan struct{}), alive: true}
	m.a, err = assign.New(assign.Config{Coord: m.co, ID: id, Interval: interval, Clock: c.clk})
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		defer close(m.done)
		if err := m.a.Run(ctx); err != nil {
			c.t.Error(err)
		}
	}()
	c.t.Cleanup(func() { cancel(); <-m.done })
	c.members[id] = m
	c.awaitBeats(m)
	return m
}

// awaitBeats waits until m has sent every beat due by now (one at start,
// then one per interval), so checks see the state of this fake instant.
func (c *cluster) awaitBeats(m *member) {
	c.t.Helper()
	want := uint64(1 + c.clk.Now().Sub(m.start)/interval)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v, err := m.a.Await(ctx, func(v assign.View) bool { return v.Beats >= want }); err != nil {
		c.t.Fatalf("%s: %d beats by %s, want %d", m.id, v.Beats, c.clk.Now().Sub(epoch), want)
	}
}

// await waits for cond on m's view (notices arrive asynchronously).
func (c *cluster) await(m *member, what string, cond func(assign.View) bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v, err := m.a.Await(ctx, cond); err != nil {
		c.t.Fatalf("%s: %s: view %+v", m.id, what, v)
	}
}

// advance moves the fake time by d in steps, checking ownership after each.
func (c *cluster) advance(d time.Duration) {
	c.t.Helper()
	for end := c.clk.Now().Add(d); c.clk.Now().Before(end); {
		c.clk.Advance(step)
		for _, m := range c.members {
			if m.alive {
				c.awaitBeats(m)
			}
		}
		c.check()
	}
}

// owners returns the alive members owning task.
func (c *cluster) owners(task uint64) []string {
	var out []string
	for _, m := range c.members {
		if m.alive && m.a.Owns(task) {
			out = append(out, m.id)
		}
	}
	return out
}

// check records ownerless tasks and fails when one stays so for more than
// three intervals.
func (c *cluster) check() {
	c.t.Helper()
	now := c.clk.Now()
	for task := range uint64(tasks) {
		if len(c.owners(task)) > 0 {
			delete(c.ownerless, task)
			continue
		}
		since, ok := c.ownerless[task]
		if !ok {
			since = now
			c.ownerless[task] = now
		}
		gap := now.Sub(since)
		c.maxGap = max(c.maxGap, gap)
		if gap > 3*interval {
			c.t.Fatalf("task %d ownerless for %s at %s (bound: three intervals, %s)", task, gap, now.Sub(epoch), 3*interval)
		}
	}
}

// assertExactlyOneOwner checks the stable state.
func (c *cluster) assertExactlyOneOwner(wantAlive int) {
	c.t.Helper()
	for _, m := range c.members {
		if m.alive {
			if v := m.a.View(); v.Of != wantAlive {
				c.t.Fatalf("%s sees %d members %v, want %d", m.id, v.Of, v.Members, wantAlive)
			}
		}
	}
	for task := range uint64(tasks) {
		if o := c.owners(task); len(o) != 1 {
			c.t.Fatalf("task %d owned by %v at %s, want exactly one owner", task, o, c.clk.Now().Sub(epoch))
		}
	}
}

// crash kills m: heartbeats stop, and it neither leaves nor announces.
func (c *cluster) crash(m *member) {
	m.co.crashed.Store(true)
	m.cancel()
	<-m.done
	m.alive = false
	// From this instant its tasks have no live owner: the clock of the
	// ownerless bound starts now, not at the next check.
	for task := range uint64(tasks) {
		if len(c.owners(task)) == 0 {
			if _, ok := c.ownerless[task]; !ok {
				c.ownerless[task] = c.clk.Now()
			}
		}
	}
}

func TestFailoverWithinThreeIntervals(t *testing.T) {
	c := newCluster(t)
	// Out of phase on purpose: beats at 0, 3.5 and 7 s past each interval.
	w1 := c.start("w1")
	c.advance(3500 * time.Millisecond)
	w2 := c.start("w2")
	c.advance(3500 * time.Millisecond)
	w3 := c.start("w3")
	c.advance(interval) // every member has beaten since the last join
	c.assertExactlyOneOwner(3)
	for i, m := range []*member{w1, w2, w3} {
		if v := m.a.View(); v.Rank != i+1 {
			t.Fatalf("%s ranked %d, want %d (sorted ids)", m.id, v.Rank, i+1)
		}
	}
	var w2Tasks []uint64
	for task := range uint64(tasks) {
		if w2.a.Owns(task) {
			w2Tasks = append(w2Tasks, task)
		}
	}

	// Crash w2 one step after its beat: its entry lives for the TTL.
	c.advance(step)
	crashAt := c.clk.Now()
	c.crash(w2)
	c.maxGap = 0
	taken := time.Duration(-1)
	for c.clk.Now().Sub(crashAt) < 4*interval {
		c.advance(step)
		if taken < 0 && allOwned(c, w2Tasks) {
			taken = c.clk.Now().Sub(crashAt)
		}
	}
	if taken < 0 || taken > 3*interval {
		t.Fatalf("w2's tasks taken over after %s, want within %s", taken, 3*interval)
	}
	// Proof that this was a crash and not a leave: the tasks waited for the TTL.
	if c.maxGap < interval {
		t.Fatalf("longest ownerless gap %s: the crash was noticed before the entry could expire", c.maxGap)
	}
	c.assertExactlyOneOwner(2)
	t.Logf("crash: w2's %d tasks taken over after %s (bound %s), longest gap %s", len(w2Tasks), taken, 3*interval, c.maxGap)

	// w2 comes back: the join notice re-ranks everyone.
	w2 = c.start("w2")
	c.advance(interval)
	c.assertExactlyOneOwner(3)

	// A graceful leave hands over at once: within one notice poll, far
	// below a heartbeat interval, and never a gap longer than the poll.
	c.maxGap = 0
	w1.cancel()
	<-w1.done
	w1.alive = false
	leftAt := c.clk.Now()
	c.clk.Advance(poll)
	for _, m := range []*member{w2, w3} {
		c.await(m, "re-rank after w1 left", func(v assign.View) bool { return v.Of == 2 })
	}
	c.check()
	c.assertExactlyOneOwner(2)
	if d := c.clk.Now().Sub(leftAt); d > poll {
		t.Fatalf("hand-over took %s of fake time", d)
	}
	if v := w1.a.View(); v.Rank != 0 || w1.a.Owns(0) {
		t.Fatalf("w1 still owns tasks after leaving: %+v", v)
	}
}

func allOwned(c *cluster, ts []uint64) bool {
	for _, task := range ts {
		if len(c.owners(task)) == 0 {
			return false
		}
	}
	return true
}

// A member learns of a change at once through Changed, and Owns follows it.
func TestChangedFiresOnReRank(t *testing.T) {
	c := newCluster(t)
	w2 := c.start("w2")
	if v := w2.a.View(); v.Rank != 1 || v.Of != 1 || !w2.a.Owns(1) {
		t.Fatalf("alone: %+v", v)
	}
	changed := w2.a.Changed()
	c.start("w1") // sorts before w2
	c.clk.Advance(poll)
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no change notification after a member joined")
	}
	c.await(w2, "rank 2 of 2", func(v assign.View) bool { return v.Rank == 2 && v.Of == 2 })
	if w2.a.Owns(0) || !w2.a.Owns(1) {
		t.Fatal("w2 ranked 2 of 2 must own the odd tasks only")
	}
	if got := fmt.Sprint(w2.a.View().Members); got != "[w1 w2]" {
		t.Fatalf("members %s", got)
	}
}

// failing is a coordinator that is unreachable while down is set.
type failing struct {
	coord.Coord
	down atomic.Bool
}

func (f *failing) Heartbeat(ctx context.Context, g, m string, info []byte, ttl time.Duration) error {
	if f.down.Load() {
		return errors.New("coordinator unreachable")
	}
	return f.Coord.Heartbeat(ctx, g, m, info, ttl)
}

func (f *failing) Members(ctx context.Context, g string) ([]coord.Member, error) {
	if f.down.Load() {
		return nil, errors.New("coordinator unreachable")
	}
	return f.Coord.Members(ctx, g)
}

// While the coordinator cannot be reached the member keeps its last view:
// a task with two owners is harmless, one with none is not.
func TestUnreachableCoordinatorKeepsTheView(t *testing.T) {
	clk := clock.NewFake(epoch)
	co, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "coord.db"), coord.SQLiteOptions{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	f := &failing{Coord: co}
	a, err := assign.New(assign.Config{Coord: f, ID: "w1", Interval: interval, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if _, err := a.Await(wait, func(v assign.View) bool { return v.Of == 1 }); err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	for i := range 5 {
		clk.Advance(interval)
		v, err := a.Await(wait, func(v assign.View) bool { return v.Failures >= uint64(i+1) })
		if err != nil {
			t.Fatal(err)
		}
		if v.Rank != 1 || v.Of != 1 || !a.Owns(7) {
			t.Fatalf("view dropped during the outage: %+v", v)
		}
	}
	f.down.Store(false)
	clk.Advance(interval)
	if v, err := a.Await(wait, func(v assign.View) bool { return v.Beats >= 2 }); err != nil || v.Of != 1 {
		t.Fatalf("after the outage: %+v %v", v, err)
	}
}
