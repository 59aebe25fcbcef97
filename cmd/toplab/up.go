package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/testenv"
)

// upState is what a running `toplab up` writes for `down` and `status`.
type upState struct {
	PID       int                  `json:"pid"`
	Started   time.Time            `json:"started"`
	Endpoints map[string]string    `json:"endpoints"`
	Nodes     []testenv.NodeStatus `json:"nodes"`
}

const upStateFile = "up.json"

// upPorts are the documented default ports, or free ones with -ports auto.
type upPorts struct {
	gateway, gatewayAdmin, backend, backendAdmin int
	pushWS, pushInternal, pushAdmin              [2]int
	syncAdmin                                    [2]int
}

func pickPorts(mode string) (upPorts, error) {
	switch mode {
	case "fixed":
		return upPorts{gateway: 8800, gatewayAdmin: 8890, backend: 8801, backendAdmin: 8891,
			pushWS: [2]int{8810, 8811}, pushInternal: [2]int{8812, 8813}, pushAdmin: [2]int{8892, 8893},
			syncAdmin: [2]int{8894, 8895}}, nil
	case "auto":
		var p upPorts
		for _, dst := range []*int{&p.gateway, &p.gatewayAdmin, &p.backend, &p.backendAdmin, &p.pushWS[0], &p.pushWS[1],
			&p.pushInternal[0], &p.pushInternal[1], &p.pushAdmin[0], &p.pushAdmin[1], &p.syncAdmin[0], &p.syncAdmin[1]} {
			port, err := testenv.FreePort()
			if err != nil {
				return p, err
			}
			*dst = port
		}
		return p, nil
	}
	return upPorts{}, usageError{fmt.Sprintf("bad -ports %q: fixed or auto", mode)}
}

func runUp(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "up", "[flags]")
	dir := fs.String("data", "toplab-data", "folder of the system's data, logs and state")
	portMode := fs.String("ports", "fixed", "fixed: the documented ports (gateway 8800); auto: free ports")
	orders := fs.Int("demo-orders", 20, "orders created for demo_seller on first start")
	sellerDSN := fs.String("seller-dsn", os.Getenv("TOPLAB_SELLER_DSN"), "MySQL/MariaDB DSN of the sellers' database the sync workers write (default: SQLite <data>/seller.db)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	ports, err := pickPorts(*portMode)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if st, err := readUpState(abs); err == nil && processAlive(st.PID) {
		return fmt.Errorf("toplab up is already running in %s (pid %d); stop it with `toplab down -data %s`", abs, st.PID, *dir)
	}
	if err := seedDemo(ctx, abs); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	spec := upSpec(self, abs, ports, upOptions{sellerDSN: *sellerDSN})
	sup, err := testenv.NewSupervisor(spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "starting %d nodes (logs in %s)...\n", len(spec.Nodes), filepath.Join(abs, "logs"))
	if err := sup.Start(ctx); err != nil {
		return err
	}
	defer sup.Stop(context.Background())
	backendURL := "http://127.0.0.1:" + strconv.Itoa(ports.backend)
	if err := seedDemoOrders(ctx, abs, backendURL, *orders); err != nil {
		return err
	}
	st := upState{PID: os.Getpid(), Started: time.Now(), Nodes: sup.Status(), Endpoints: map[string]string{
		"gateway":       "http://127.0.0.1:" + strconv.Itoa(ports.gateway) + "/router/rest",
		"gateway batch": "http://127.0.0.1:" + strconv.Itoa(ports.gateway) + "/router/batch",
		"gateway admin": "http://127.0.0.1:" + strconv.Itoa(ports.gatewayAdmin),
		"backend":       backendURL,
		"backend admin": "http://127.0.0.1:" + strconv.Itoa(ports.backendAdmin),
		"push":          "ws://127.0.0.1:" + strconv.Itoa(ports.pushWS[0]) + "/",
		"push (2nd)":    "ws://127.0.0.1:" + strconv.Itoa(ports.pushWS[1]) + "/",
		"push admin":    "http://127.0.0.1:" + strconv.Itoa(ports.pushAdmin[0]),
		"sync admin":    "http://127.0.0.1:" + strconv.Itoa(ports.syncAdmin[0]),
		"seller db":     filepath.Join(abs, "seller.db"),
	}}
	if *sellerDSN != "" {
		st.Endpoints["seller db"] = "mysql " + redactDSN(*sellerDSN)
	}
	if err := writeUpState(abs, st); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(abs, upStateFile))
	printUp(env, st)
	<-ctx.Done()
	fmt.Fprintln(env.stderr, "stopping...")
	return sup.Stop(context.Background())
}

// upOptions vary the reference system for tests and benchmarks; the zero
// value is `toplab up`'s.
type upOptions struct {
	sellerDSN    string       // MariaDB DSN of the seller database ("": SQLite dir/seller.db)
	workers      []syncWorker // default sync-1 and sync-2 in the default cluster
	syncFlags    []string     // added to every sync worker's command line
	pushFlags    []string
	backendFlags []string
}

// syncWorker is one sync worker of the system.
type syncWorker struct{ id, cluster string }

func (o upOptions) syncWorkers() []syncWorker {
	if o.workers != nil {
		return o.workers
	}
	return []syncWorker{{"sync-1", meta.DefaultGroup}, {"sync-2", meta.DefaultGroup}}
}

// upSpec is the reference system on the embedded default: local processes
// sharing SQLite files in dir: the backend, two push nodes, the gateway and
// two sync workers writing the sellers' database (dir/seller.db).
func upSpec(self, dir string, p upPorts, o upOptions) testenv.Spec {
	backendURL := "http://127.0.0.1:" + strconv.Itoa(p.backend)
	tmcURL := "http://127.0.0.1:" + strconv.Itoa(p.pushInternal[0])
	nodes := []testenv.NodeSpec{{
		Name:       "backend",
		Command:    append([]string{self, "serve", "backend", "-addr", "127.0.0.1:${port:http}", "-admin", "127.0.0.1:${port:admin}", "-data", "${data}"}, o.backendFlags...),
		Ports:      []string{"http", "admin"},
		FixedPorts: map[string]int{"http": p.backend, "admin": p.backendAdmin},
		Health:     "http://127.0.0.1:${port:admin}/healthz",
	}}
	for i := range 2 {
		id := "push-" + strconv.Itoa(i)
		nodes = append(nodes, testenv.NodeSpec{
			Name: id,
			Command: append([]string{self, "serve", "push", "-id", id, "-nodes", "push-0,push-1",
				"-ws", "127.0.0.1:${port:ws}", "-internal", "127.0.0.1:${port:internal}", "-admin", "127.0.0.1:${port:admin}",
				"-data", dir, "-store-dir", "${data}/messages", "-trade", backendURL}, o.pushFlags...),
			Ports:      []string{"ws", "internal", "admin"},
			FixedPorts: map[string]int{"ws": p.pushWS[i], "internal": p.pushInternal[i], "admin": p.pushAdmin[i]},
			Health:     "http://127.0.0.1:${port:admin}/healthz",
		})
	}
	nodes = append(nodes, testenv.NodeSpec{
		Name: "gateway",
		Command: []string{self, "serve", "gateway", "-addr", "127.0.0.1:${port:http}", "-admin", "127.0.0.1:${port:admin}",
			"-data", dir, "-backend", meta.BackendTrade + "=" + backendURL, "-backend", meta.BackendItem + "=" + backendURL,
			"-backend", meta.BackendUser + "=" + backendURL, "-backend", meta.BackendTMC + "=" + tmcURL},
		Ports:      []string{"http", "admin"},
		FixedPorts: map[string]int{"http": p.gateway, "admin": p.gatewayAdmin},
		Health:     "http://127.0.0.1:${port:admin}/healthz",
	})
	push := "ws://127.0.0.1:" + strconv.Itoa(p.pushWS[0]) + "/,ws://127.0.0.1:" + strconv.Itoa(p.pushWS[1]) + "/"
	for i, w := range o.syncWorkers() {
		cmd := []string{self, "serve", "sync", "-id", w.id, "-cluster", w.cluster, "-admin", "127.0.0.1:${port:admin}", "-data", dir,
			"-gateway", "http://127.0.0.1:" + strconv.Itoa(p.gateway), "-push", push, "-freshness-log", "${data}/freshness.log"}
		if o.sellerDSN != "" {
			cmd = append(cmd, "-mysql", o.sellerDSN)
		} else {
			cmd = append(cmd, "-sqlite", filepath.Join(dir, "seller.db"))
		}
		n := testenv.NodeSpec{Name: w.id, Command: append(cmd, o.syncFlags...), Ports: []string{"admin"},
			Health: "http://127.0.0.1:${port:admin}/healthz"}
		if i < len(p.syncAdmin) && p.syncAdmin[i] > 0 {
			n.FixedPorts = map[string]int{"admin": p.syncAdmin[i]}
		}
		nodes = append(nodes, n)
	}
	return testenv.Spec{Dir: dir, Nodes: nodes}
}

func printUp(env *cliEnv, st upState) {
	w := env.stdout
	fmt.Fprintln(w, "toplab is up:")
	for _, k := range []string{"gateway", "gateway batch", "gateway admin", "backend", "backend admin", "push", "push (2nd)", "push admin",
		"sync admin", "seller db"} {
		fmt.Fprintf(w, "  %-14s %s\n", k, st.Endpoints[k])
	}
	for _, n := range st.Nodes {
		fmt.Fprintf(w, "  node %-9s pid %-7d log %s\n", n.Name, n.PID, n.LogPath)
	}
	fmt.Fprintf(w, "demo tenant: app_key %s, secret %s, seller %s, session %s\n", meta.DemoAppKey, meta.DemoSecret, meta.DemoSeller, meta.DemoSession)
	fmt.Fprintf(w, "sync app: app_key %s, secret %s; orders land in jdp_tb_trade of %s\n", meta.SyncAppKey, meta.SyncSecret, st.Endpoints["seller db"])
	fmt.Fprintln(w, "Ctrl-C (or `toplab down`) stops everything.")
}

func writeUpState(dir string, st upState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, upStateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, upStateFile))
}

func readUpState(dir string) (upState, error) {
	var st upState
	b, err := os.ReadFile(filepath.Join(dir, upStateFile))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s: %w", upStateFile, err)
	}
	if st.PID <= 0 {
		return st, errors.New(upStateFile + ": no pid")
	}
	return st, nil
}

// redactDSN hides a DSN's password.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	colon := strings.Index(dsn, ":")
	if at < 0 || colon < 0 || colon > at {
		return dsn
	}
	return dsn[:colon+1] + "***" + dsn[at:]
}
