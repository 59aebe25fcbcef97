package testenv

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Spec describes an environment of local processes: which nodes, how many,
// their command lines and data folders. `toplab up`, the tests, the scenarios
// and chaos all bring nodes up from a Spec through the Supervisor.
type Spec struct {
	// Dir holds logs/<node>.log and data/<node>/; it outlives restarts.
	Dir   string
	Nodes []NodeSpec
}

// NodeSpec describes one role; Count instances of it run.
type NodeSpec struct {
	// Name of the role; instances are named Name (Count 1) or Name-1..Name-N.
	Name  string
	Count int // default 1
	// Command is the argv. Each element may use ${port:NAME} (a port of Ports),
	// ${data} (the instance's data folder), ${node} (the instance name) and
	// ${index} (1-based instance number). Env takes the same placeholders.
	Command []string
	Env     []string
	// Ports names the TCP ports the node listens on; each instance gets a free
	// port per name on its first start and keeps it across restarts.
	Ports []string
	// FixedPorts pins named ports (documented defaults such as the gateway's
	// 8800); instance i of a role gets port+i-1.
	FixedPorts map[string]int
	// Health is the URL that answers 200 once the node is ready, with the same
	// placeholders, e.g. http://127.0.0.1:${port:admin}/healthz. Empty means
	// ready as soon as the process runs.
	Health string
	// StartTimeout bounds the wait for Health (default 30 s); Drain bounds a
	// graceful stop before SIGKILL (default 10 s).
	StartTimeout time.Duration
	Drain        time.Duration
}

var nodeName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Validate reports the first problem with the spec.
func (s Spec) Validate() error {
	if len(s.Nodes) == 0 {
		return errors.New("spec: no nodes")
	}
	seen := map[string]bool{}
	for i, n := range s.Nodes {
		where := fmt.Sprintf("spec: nodes[%d] (%s)", i, n.Name)
		if !nodeName.MatchString(n.Name) {
			return fmt.Errorf("%s: name must match %s", where, nodeName)
		}
		if seen[n.Name] {
			return fmt.Errorf("%s: duplicate name", where)
		}
		seen[n.Name] = true
		if n.Count < 0 || n.Count > 64 {
			return fmt.Errorf("%s: count %d out of range 0..64", where, n.Count)
		}
		if len(n.Command) == 0 || n.Command[0] == "" {
			return fmt.Errorf("%s: empty command", where)
		}
		ports := map[string]bool{}
		for _, p := range n.Ports {
			if !nodeName.MatchString(p) || ports[p] {
				return fmt.Errorf("%s: bad or duplicate port name %q", where, p)
			}
			ports[p] = true
		}
		for p, num := range n.FixedPorts {
			if !ports[p] {
				return fmt.Errorf("%s: fixed port %q is not among its ports", where, p)
			}
			if num <= 0 || num+max(n.Count, 1)-1 > 65535 {
				return fmt.Errorf("%s: fixed port %s=%d out of range", where, p, num)
			}
		}
		probe := vars{node: n.Name, data: "/", index: 1, ports: map[string]int{}}
		for _, p := range n.Ports {
			probe.ports[p] = 1
		}
		for _, field := range append(append(append([]string{}, n.Command...), n.Env...), n.Health) {
			if _, err := probe.expand(field); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

// vars are the values placeholders expand to for one instance.
type vars struct {
	node  string
	data  string
	index int
	ports map[string]int
}

var placeholder = regexp.MustCompile(`\$\{([a-z]+)(?::([a-z0-9_-]+))?\}`)

// expand replaces placeholders in s; an unknown placeholder or port is an error.
func (v vars) expand(s string) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		switch {
		case sub[1] == "port" && sub[2] != "":
			if p, ok := v.ports[sub[2]]; ok {
				return strconv.Itoa(p)
			}
			err = fmt.Errorf("unknown port %q in %q", sub[2], s)
		case sub[1] == "data" && sub[2] == "":
			return v.data
		case sub[1] == "node" && sub[2] == "":
			return v.node
		case sub[1] == "index" && sub[2] == "":
			return strconv.Itoa(v.index)
		default:
			err = fmt.Errorf("unknown placeholder %s in %q", m, s)
		}
		return m
	})
	if err == nil && strings.Contains(out, "${") {
		err = fmt.Errorf("malformed placeholder in %q", s)
	}
	return out, err
}

func (v vars) expandAll(in []string) ([]string, error) {
	out := make([]string, len(in))
	for i, s := range in {
		var err error
		if out[i], err = v.expand(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}
