package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// NodeState is where a node is in its life.
type NodeState string

const (
	StateStarting NodeState = "starting"
	StateRunning  NodeState = "running"
	StateStopping NodeState = "stopping"
	StateStopped  NodeState = "stopped" // stopped by the supervisor
	StateExited   NodeState = "exited"  // ended on its own, or was killed
)

// NodeStatus is a snapshot of one node.
type NodeStatus struct {
	Name      string         `json:"name"`
	Role      string         `json:"role"`
	State     NodeState      `json:"state"`
	PID       int            `json:"pid"`
	Ports     map[string]int `json:"ports"`
	Starts    int            `json:"starts"`
	StartedAt time.Time      `json:"started_at"`
	ExitCode  int            `json:"exit_code"`
	DataDir   string         `json:"data_dir"`
	LogPath   string         `json:"log_path"`
}

// Node is one supervised local process. Its ports and data folder are fixed at
// its first start, so a restart comes back in place.
type Node struct {
	sup     *Supervisor
	spec    NodeSpec
	vars    vars
	logPath string

	mu       sync.Mutex
	state    NodeState
	cmd      *exec.Cmd
	done     chan struct{} // closed when the current process has been reaped
	starts   int
	started  time.Time
	exitCode int
}

// Name returns the instance name.
func (n *Node) Name() string { return n.vars.node }

// Port returns the node's port with the given name, or 0.
func (n *Node) Port(name string) int { return n.vars.ports[name] }

// Addr returns 127.0.0.1:port for the named port.
func (n *Node) Addr(port string) string { return fmt.Sprintf("127.0.0.1:%d", n.Port(port)) }

// PID returns the current process ID, or 0 when no process runs.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil || n.state == StateExited || n.state == StateStopped {
		return 0
	}
	return n.cmd.Process.Pid
}

// Status returns a snapshot of the node.
func (n *Node) Status() NodeStatus {
	pid := n.PID()
	n.mu.Lock()
	defer n.mu.Unlock()
	return NodeStatus{Name: n.vars.node, Role: n.spec.Name, State: n.state, PID: pid, Ports: n.vars.ports,
		Starts: n.starts, StartedAt: n.started, ExitCode: n.exitCode, DataDir: n.vars.data, LogPath: n.logPath}
}

// Start starts the process and waits until its health endpoint answers.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	if n.state == StateStarting || n.state == StateRunning || n.state == StateStopping {
		n.mu.Unlock()
		return fmt.Errorf("node %s: already %s", n.Name(), n.state)
	}
	argv, err := n.vars.expandAll(n.spec.Command)
	if err == nil {
		var env []string
		env, err = n.vars.expandAll(n.spec.Env)
		if err == nil {
			err = n.spawn(argv, env)
		}
	}
	if err != nil {
		n.state = StateExited
		n.mu.Unlock()
		return fmt.Errorf("node %s: %w", n.Name(), err)
	}
	done, pid := n.done, n.cmd.Process.Pid
	n.mu.Unlock()
	n.sup.record(n.Name(), EventStart, pid, "")
	if err := n.waitHealthy(ctx, done); err != nil {
		n.Kill()
		return fmt.Errorf("node %s: %w\n--- last lines of %s ---\n%s", n.Name(), err, n.logPath, tail(n.logPath, 20))
	}
	n.mu.Lock()
	if n.state == StateStarting {
		n.state = StateRunning
	}
	n.mu.Unlock()
	n.sup.record(n.Name(), EventReady, pid, "")
	return nil
}

// spawn starts the process; n.mu must be held.
func (n *Node) spawn(argv, env []string) error {
	if err := os.MkdirAll(n.vars.data, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor
	fmt.Fprintf(logf, "--- toplab supervisor: start #%d of %s at %s: %q\n", n.starts+1, n.Name(), time.Now().Format(time.RFC3339Nano), argv)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = n.vars.data
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // stop and kill reach the node's whole process group, not the terminal's
		Pdeathsig: syscall.SIGKILL, // no orphan survives a supervisor that is itself killed
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	n.cmd, n.done = cmd, make(chan struct{})
	n.state, n.starts, n.started, n.exitCode = StateStarting, n.starts+1, time.Now(), 0
	go n.reap(cmd, n.done)
	return nil
}

// reap waits for the process and records how it ended.
func (n *Node) reap(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	n.mu.Lock()
	if n.state == StateStopping {
		n.state = StateStopped
	} else {
		n.state = StateExited
	}
	n.exitCode = code
	n.mu.Unlock()
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	n.sup.record(n.Name(), EventExit, cmd.Process.Pid, detail)
	close(done)
}

func (n *Node) waitHealthy(ctx context.Context, done <-chan struct{}) error {
	if n.spec.Health == "" {
		return nil
	}
	url, err := n.vars.expand(n.spec.Health)
	if err != nil {
		return err
	}
	timeout := n.spec.StartTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		last = err
		select {
		case <-done:
			return fmt.Errorf("exited before %s answered", url)
		case <-ctx.Done():
			return fmt.Errorf("not healthy within %s: %v", timeout, last)
		case <-poll.C:
		}
	}
}

// Stop sends SIGTERM to the node's process group and waits up to its drain
// deadline, then SIGKILLs it. Stopping a node that is not running is a no-op.
func (n *Node) Stop(ctx context.Context) error {
	drain := n.spec.Drain
	if drain <= 0 {
		drain = 10 * time.Second
	}
	return n.signalAndWait(ctx, syscall.SIGTERM, drain)
}

// Kill sends SIGKILL to the node's process group and waits until it is reaped.
func (n *Node) Kill() error { return n.signalAndWait(context.Background(), syscall.SIGKILL, 0) }

func (n *Node) signalAndWait(ctx context.Context, sig syscall.Signal, drain time.Duration) error {
	n.mu.Lock()
	if n.cmd == nil || n.state == StateStopped || n.state == StateExited {
		n.mu.Unlock()
		return nil
	}
	if sig == syscall.SIGTERM {
		n.state = StateStopping
	}
	pid, done := n.cmd.Process.Pid, n.done
	n.mu.Unlock()
	kind := EventStop
	if sig == syscall.SIGKILL {
		kind = EventKill
	}
	n.sup.record(n.Name(), kind, pid, "")
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("node %s: signal %v: %w", n.Name(), sig, err)
	}
	if sig == syscall.SIGTERM {
		timer := time.NewTimer(drain)
		defer timer.Stop()
		select {
		case <-done:
			return nil
		case <-timer.C:
			n.sup.record(n.Name(), EventKill, pid, "drain deadline passed")
		case <-ctx.Done():
			n.sup.record(n.Name(), EventKill, pid, "stop cancelled")
		}
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	<-done // SIGKILL cannot be refused; Wait returns promptly
	return nil
}

// Restart stops the node if it runs and starts it again in place: same ports,
// same data folder, same log file.
func (n *Node) Restart(ctx context.Context) error {
	if err := n.Stop(ctx); err != nil {
		return err
	}
	n.sup.record(n.Name(), EventRestart, 0, "")
	return n.Start(ctx)
}

// Wait blocks until the current process has exited.
func (n *Node) Wait(ctx context.Context) error {
	n.mu.Lock()
	done := n.done
	n.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tail returns the last lines of a file, for error messages.
func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(b) > 16<<10 {
		b = b[len(b)-16<<10:]
	}
	parts := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return string(bytes.Join(parts, []byte("\n")))
}

func nodeDirs(root, name string) (data, log string) {
	return filepath.Join(root, "data", name), filepath.Join(root, "logs", name+".log")
}
