package main

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/testenv"
)

// cpuPerRequest is a node's processor time per request.
type cpuPerRequest struct {
	Node   string        `json:"node"`
	User   time.Duration `json:"user"`
	System time.Duration `json:"system"`
}

func (c *cpuPerRequest) String() string {
	if c == nil {
		return "-"
	}
	total := c.User + c.System
	return fmt.Sprintf("%.1fµs (%.0f%% sys)", float64(total)/1e3, 100*float64(c.System)/float64(max(total, 1)))
}

// cpuTally sums a node's processor time and the requests it served.
type cpuTally struct {
	node     string
	cpu      testenv.CPU
	requests uint64
}

func (t *cpuTally) perRequest() *cpuPerRequest {
	if t == nil || t.requests == 0 {
		return nil
	}
	n := time.Duration(t.requests)
	return &cpuPerRequest{Node: t.node, User: t.cpu.User / n, System: t.cpu.System / n}
}

// measureCPU runs f and adds the processor time the nodes used meanwhile
// to their tallies (nil ones are skipped).
func measureCPU(sup *testenv.Supervisor, tallies []*cpuTally, f func() (*loadgen.Summary, error)) (*loadgen.Summary, error) {
	tallies = slices.DeleteFunc(slices.Clone(tallies), func(t *cpuTally) bool { return t == nil })
	before := make([]testenv.CPU, len(tallies))
	for i, t := range tallies {
		c, err := sup.Node(t.node).CPU()
		if err != nil {
			return nil, err
		}
		before[i] = c
	}
	s, err := f()
	if err != nil {
		return s, err
	}
	for i, t := range tallies {
		c, err := sup.Node(t.node).CPU()
		if err != nil {
			return nil, err
		}
		t.cpu = t.cpu.Add(c.Sub(before[i]))
		t.requests += s.Requests
	}
	return s, nil
}

// benchCPU reads the push nodes' CPU, summed, and this process's.
func benchCPU(ns []*testenv.Node) (nodes, self testenv.CPU, err error) {
	for _, n := range ns {
		c, err := n.CPU()
		if err != nil {
			return nodes, self, err
		}
		nodes = nodes.Add(c)
	}
	self, err = testenv.ProcessCPU(os.Getpid())
	return nodes, self, err
}
