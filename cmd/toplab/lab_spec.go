package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/testenv"
)

// labStores are the external stores of a run: empty on the embedded default
// (SQLite files in the run's folder), container addresses with -env containers.
type labStores struct {
	sellerDSN string // MariaDB DSN of the sellers' database
	redisAddr string // Redis for coordination, distributed cache and flow control
}

// labPorts are each instance's ports, picked before the supervisor starts so
// that nodes can be told each other's addresses on their command lines.
type labPorts map[string]map[string]int

func (p labPorts) addr(node, port string) string {
	return "127.0.0.1:" + strconv.Itoa(p[node][port])
}

// labNodePorts names the ports each role listens on.
var labNodePorts = map[string][]string{
	scenarios.RoleBackend: {"http", "admin"},
	scenarios.RolePush:    {"ws", "internal", "admin"},
	scenarios.RoleGateway: {"http", "admin"},
	scenarios.RoleSync:    {"admin"},
}

// url is a node's http base URL on port.
func (p labPorts) url(node, port string) string { return "http://" + p.addr(node, port) }

// urls are the base URLs of nodes on port.
func (p labPorts) urls(nodes []string, port string) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = p.url(n, port)
	}
	return out
}

func pickLabPorts(insts []scenarios.Instance) (labPorts, error) {
	ports := labPorts{}
	for _, in := range insts {
		ports[in.Name] = map[string]int{}
		for _, name := range labNodePorts[in.Role] {
			p, err := testenv.FreePort()
			if err != nil {
				return nil, err
			}
			ports[in.Name][name] = p
		}
	}
	return ports, nil
}

// labTopology is what the runner needs to know of a brought-up system.
type labTopology struct {
	backends []string // the first is the trade centre of record; all serve items and users
	gateways []string // the api stream spreads over all
	push     []string // every push instance
	sync     []string
}

func topologyOf(s *scenarios.Scenario) labTopology {
	var t labTopology
	for _, in := range s.Instances() {
		switch in.Role {
		case scenarios.RoleBackend:
			t.backends = append(t.backends, in.Name)
		case scenarios.RoleGateway:
			t.gateways = append(t.gateways, in.Name)
		case scenarios.RolePush:
			t.push = append(t.push, in.Name)
		case scenarios.RoleSync:
			t.sync = append(t.sync, in.Name)
		}
	}
	return t
}

// labSpec builds the supervisor's spec of a scenario's environment: the
// command lines of upSpec, generalised to any count per role (one NodeSpec
// per instance, so each has its own pre-picked ports), with the scenario's
// node flags and knobs appended. The first backend is the trade centre every
// gateway and push node uses (each backend node keeps its own trades); the
// item and user services, drawn from the seeded catalogue, are the same on
// every backend, so gateways balance them over all backends, and the
// message APIs over all push nodes (any node serves any queue). Sync worker
// i calls gateway i mod the gateways.
func labSpec(self, dir string, s *scenarios.Scenario, ports labPorts, st labStores, backendSellers int) (testenv.Spec, error) {
	top := topologyOf(s)
	if len(top.backends) == 0 || len(top.gateways) == 0 || len(top.push) == 0 {
		return testenv.Spec{}, fmt.Errorf("scenario %s: the runner needs a backend, a gateway and a push node", s.Name)
	}
	backendURL := ports.url(top.backends[0], "http")
	catalogueURLs := strings.Join(ports.urls(top.backends, "http"), ",")
	tmcURLs := strings.Join(ports.urls(top.push, "internal"), ",")
	var pushWS []string
	for _, p := range top.push {
		pushWS = append(pushWS, "ws://"+ports.addr(p, "ws")+"/")
	}
	var coord []string
	if st.redisAddr != "" {
		coord = []string{"-redis", st.redisAddr}
	}
	var nodes []testenv.NodeSpec
	for _, in := range s.Instances() {
		var cmd []string
		switch in.Role {
		case scenarios.RoleBackend:
			cmd = []string{self, "serve", "backend", "-addr", ports.addr(in.Name, "http"), "-admin", ports.addr(in.Name, "admin"),
				"-data", "${data}", "-seed", strconv.FormatUint(s.Seed, 10), "-sellers", strconv.Itoa(backendSellers)}
		case scenarios.RolePush:
			cmd = append([]string{self, "serve", "push", "-id", in.Name, "-nodes", strings.Join(top.push, ","),
				"-ws", ports.addr(in.Name, "ws"), "-internal", ports.addr(in.Name, "internal"), "-admin", ports.addr(in.Name, "admin"),
				"-data", dir, "-store-dir", "${data}/messages", "-trade", backendURL}, coord...)
		case scenarios.RoleGateway:
			cmd = append([]string{self, "serve", "gateway", "-addr", ports.addr(in.Name, "http"), "-admin", ports.addr(in.Name, "admin"),
				"-data", dir, "-backend", meta.BackendTrade + "=" + backendURL, "-backend", meta.BackendItem + "=" + catalogueURLs,
				"-backend", meta.BackendUser + "=" + catalogueURLs, "-backend", meta.BackendTMC + "=" + tmcURLs}, coord...)
		case scenarios.RoleSync:
			cmd = []string{self, "serve", "sync", "-id", in.Name, "-cluster", meta.DefaultGroup, "-admin", ports.addr(in.Name, "admin"),
				"-data", dir, "-gateway", ports.url(top.gateways[(in.Index-1)%len(top.gateways)], "http"), "-push", strings.Join(pushWS, ","),
				"-freshness-log", "${data}/freshness.log"}
			if st.sellerDSN != "" {
				cmd = append(cmd, "-mysql", st.sellerDSN)
			} else {
				cmd = append(cmd, "-sqlite", filepath.Join(dir, "seller.db"))
			}
			cmd = append(cmd, coord...)
		default:
			return testenv.Spec{}, fmt.Errorf("scenario %s: unknown role %q", s.Name, in.Role)
		}
		fixed := map[string]int{}
		for name, p := range ports[in.Name] {
			fixed[name] = p
		}
		nodes = append(nodes, testenv.NodeSpec{
			Name: in.Name, Command: append(cmd, s.NodeFlags(in.Role)...), Ports: labNodePorts[in.Role], FixedPorts: fixed,
			Health: "http://127.0.0.1:${port:admin}/healthz",
		})
	}
	spec := testenv.Spec{Dir: dir, Nodes: nodes}
	return spec, spec.Validate()
}
