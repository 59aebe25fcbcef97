package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// EventKind names what happened to a node.
type EventKind string

const (
	EventStart   EventKind = "start"   // process spawned
	EventReady   EventKind = "ready"   // health endpoint answered
	EventStop    EventKind = "stop"    // SIGTERM sent
	EventKill    EventKind = "kill"    // SIGKILL sent
	EventExit    EventKind = "exit"    // process reaped
	EventRestart EventKind = "restart" // restart in place begun
)

// Event is one entry of the supervisor's history: reports and chaos
// schedules line node PIDs and phases up with the run's time series.
type Event struct {
	Time   time.Time `json:"time"`
	Node   string    `json:"node"`
	Kind   EventKind `json:"kind"`
	PID    int       `json:"pid,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Supervisor runs the nodes of a Spec as local processes.
type Supervisor struct {
	spec  Spec
	nodes []*Node

	mu     sync.Mutex
	events []Event
}

// NewSupervisor prepares the nodes of spec: names, free ports, data folders
// and log files under spec.Dir. Nothing runs until Start.
func NewSupervisor(spec Spec) (*Supervisor, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec.Dir == "" {
		return nil, errors.New("spec: empty dir")
	}
	// Each node runs in its data folder, so ${data} must not be relative.
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, err
	}
	spec.Dir = dir
	if err := os.MkdirAll(filepath.Join(spec.Dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	s := &Supervisor{spec: spec}
	for _, ns := range spec.Nodes {
		count := max(ns.Count, 1)
		for i := 1; i <= count; i++ {
			name := ns.Name
			if count > 1 {
				name = fmt.Sprintf("%s-%d", ns.Name, i)
			}
			ports := map[string]int{}
			for _, p := range ns.Ports {
				if fixed, ok := ns.FixedPorts[p]; ok {
					ports[p] = fixed + i - 1
					continue
				}
				port, err := FreePort()
				if err != nil {
					return nil, err
				}
				ports[p] = port
			}
			data, logPath := nodeDirs(spec.Dir, name)
			n := &Node{sup: s, spec: ns, logPath: logPath,
				vars: vars{node: name, data: data, index: i, ports: ports}}
			s.nodes = append(s.nodes, n)
		}
	}
	return s, nil
}

// Start starts every node, all at once, and waits until each is healthy. On
// failure the nodes already started are stopped again.
func (s *Supervisor) Start(ctx context.Context) error {
	errs := make([]error, len(s.nodes))
	var wg sync.WaitGroup
	for i, n := range s.nodes {
		wg.Go(func() { errs[i] = n.Start(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.Stop(context.Background())
		return err
	}
	return nil
}

// Stop stops every node gracefully (SIGTERM, drain, SIGKILL), in the reverse
// of spec order so front nodes drain before the ones they call.
func (s *Supervisor) Stop(ctx context.Context) error {
	var errs []error
	for _, n := range slices.Backward(s.nodes) {
		errs = append(errs, n.Stop(ctx))
	}
	return errors.Join(errs...)
}

// Kill SIGKILLs every node.
func (s *Supervisor) Kill() {
	for _, n := range s.nodes {
		n.Kill()
	}
}

// Nodes returns the nodes in spec order.
func (s *Supervisor) Nodes() []*Node { return slices.Clone(s.nodes) }

// Node returns the node with the given instance name, or nil.
func (s *Supervisor) Node(name string) *Node {
	for _, n := range s.nodes {
		if n.Name() == name {
			return n
		}
	}
	return nil
}

// Status returns a snapshot of every node.
func (s *Supervisor) Status() []NodeStatus {
	out := make([]NodeStatus, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.Status()
	}
	return out
}

// Events returns the history so far.
func (s *Supervisor) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func (s *Supervisor) record(node string, kind EventKind, pid int, detail string) {
	s.mu.Lock()
	s.events = append(s.events, Event{Time: time.Now(), Node: node, Kind: kind, PID: pid, Detail: detail})
	s.mu.Unlock()
}
