package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/toplab/toplab/loadgen/swarm"
	"github.com/toplab/toplab/system/tmc"
)

// Settings of the swarm role: the node's URL, how many sessions, and the
// index of the first (session i is app (first+i) mod idleApps).
const (
	swarmURLEnv   = "TOPLAB_SWARM_URL"
	swarmConnsEnv = "TOPLAB_SWARM_CONNS"
	swarmFirstEnv = "TOPLAB_SWARM_FIRST"
)

func runTestRole(role string) int {
	if role != "swarm" {
		fmt.Fprintf(os.Stderr, "unknown test role %q\n", role)
		return 2
	}
	if err := swarmRole(); err != nil {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		return 1
	}
	return 0
}

// swarmRole opens the sessions, prints "opened N", and holds them until
// stdin says "close" (or ends).
func swarmRole() error {
	conns, err1 := strconv.Atoi(os.Getenv(swarmConnsEnv))
	first, err2 := strconv.Atoi(os.Getenv(swarmFirstEnv))
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{
		URL: os.Getenv(swarmURLEnv), Conns: conns, SourceIPs: swarm.SourceIPs(4),
		FirstFrame: func(i int) []byte { return idleConnect(first + i) },
		CheckReply: checkConnectAck,
	})
	if sw == nil {
		return err
	}
	r := sw.Result()
	fmt.Printf("opened %d\n", r.Opened)
	if err != nil {
		fmt.Fprintf(os.Stderr, "swarm: %v\n", err)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "close" {
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return sw.Close(ctx)
}

// idleConnect is session i's signed CONNECT as one of the bench apps.
func idleConnect(i int) []byte {
	app := fmt.Sprintf("bench-app-%05d", i%idleApps)
	c := tmc.Connect{AppKey: app, Timestamp: time.Now().UnixMilli(), SDK: "bench"}
	c.SignWith("bench-secret-" + app)
	f, _ := tmc.AppendFrame(nil, c.ToFrame())
	return f
}

func checkConnectAck(_ int, reply []byte) error {
	f, err := tmc.DecodeFrame(reply, tmc.Limits{})
	if err != nil {
		return err
	}
	var ack tmc.ConnectAck
	if err := ack.ReadFrame(f); err != nil {
		return err
	}
	return ack.Err()
}

// swarmProcess is the test binary running the swarm role.
type swarmProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startSwarmProcess(url string, conns, first int) (*swarmProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), testRoleEnv+"=swarm", swarmURLEnv+"="+url,
		swarmConnsEnv+"="+strconv.Itoa(conns), swarmFirstEnv+"="+strconv.Itoa(first))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &swarmProcess{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}, nil
}

// wait returns how many sessions the process opened.
func (p *swarmProcess) wait() (int, error) {
	if !p.out.Scan() {
		return 0, fmt.Errorf("swarm process ended before reporting: %v", p.out.Err())
	}
	var n int
	if _, err := fmt.Sscanf(p.out.Text(), "opened %d", &n); err != nil {
		return 0, fmt.Errorf("swarm process said %q", p.out.Text())
	}
	return n, nil
}

// close tells the process to close its sessions and waits for it.
func (p *swarmProcess) close() {
	fmt.Fprintln(p.stdin, "close")
	p.stdin.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		<-done
	}
}
