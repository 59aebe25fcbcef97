package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"
)

// processAlive reports whether pid runs (a zombie does not).
func processAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no procfs: trust kill(0)
	}
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' && i+2 < len(stat) {
			return stat[i+2] != 'Z'
		}
	}
	return true
}

// runningUp reads the state of the `toplab up` running in dir.
func runningUp(dir string) (upState, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return upState{}, err
	}
	st, err := readUpState(abs)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !processAlive(st.PID)) {
		return st, fmt.Errorf("no toplab up is running in %s", abs)
	}
	return st, err
}

func runDown(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "down", "[-data DIR]")
	dir := fs.String("data", "toplab-data", "the folder `toplab up` runs in")
	wait := fs.Duration("wait", 60*time.Second, "how long to wait for the nodes to drain")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	st, err := runningUp(*dir)
	if err != nil {
		return err
	}
	if err := syscall.Kill(st.PID, syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal toplab up (pid %d): %w", st.PID, err)
	}
	deadline := time.Now().Add(*wait)
	for processAlive(st.PID) {
		if time.Now().After(deadline) {
			return fmt.Errorf("toplab up (pid %d) still running after %s", st.PID, *wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	fmt.Fprintf(env.stdout, "stopped toplab up (pid %d) and its %d nodes\n", st.PID, len(st.Nodes))
	return nil
}

func runStatus(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "status", "[-data DIR]")
	dir := fs.String("data", "toplab-data", "the folder `toplab up` runs in")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	st, err := runningUp(*dir)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "toplab up pid %d, started %s\n", st.PID, st.Started.Format(time.RFC3339))
	fmt.Fprintln(tw, "NODE\tPID\tALIVE\tHEALTH\tPORTS")
	unhealthy := 0
	for _, n := range st.Nodes {
		health := "-"
		if port, ok := n.Ports["admin"]; ok || n.Ports["http"] != 0 {
			if !ok {
				port = n.Ports["http"]
			}
			health = probe(ctx, client, fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		}
		alive := processAlive(n.PID)
		if !alive || health != "ok" {
			unhealthy++
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%s\t%v\n", n.Name, n.PID, alive, health, n.Ports)
	}
	tw.Flush()
	for k, v := range st.Endpoints {
		fmt.Fprintf(env.stdout, "%s: %s\n", k, v)
	}
	if unhealthy > 0 {
		return fmt.Errorf("%d nodes are not healthy", unhealthy)
	}
	return nil
}

func probe(ctx context.Context, c *http.Client, url string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return "down"
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.Status
	}
	return "ok"
}
