package socket_test

// The idle-connection benchmark measures a server in a process of its own,
// so the clients' memory does not count: the test binary re-executes itself
// in a role chosen by roleEnv and talks to the benchmark over stdin/stdout,
// one line per command and reply.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/loadgen/swarm"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// roleEnv makes the test binary run as a helper process of a benchmark.
const roleEnv = "TOPLAB_SOCKET_ROLE"

// Settings of the client role.
const (
	swarmURLEnv   = "TOPLAB_SWARM_URL"
	swarmConnsEnv = "TOPLAB_SWARM_CONNS"
)

func runRole(role string) int {
	var err error
	switch role {
	case "server":
		err = serveRole()
	case "client":
		err = clientRole()
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, role+":", err)
		return 1
	}
	return 0
}

// ackNode answers CONNECT with CONNECTACK and keeps nothing per connection.
type ackNode struct{}

func (ackNode) OnOpen(*socket.Conn)         {}
func (ackNode) OnClose(*socket.Conn, error) {}
func (ackNode) OnFrame(c *socket.Conn, f *tmc.Frame) {
	if f.Type == tmc.MsgConnect {
		ack, _ := tmc.AppendFrame(nil, (&tmc.ConnectAck{Token: "t" + strconv.FormatUint(c.ID(), 36)}).ToFrame())
		_ = c.Send(ack)
	}
}

// serveRole runs a server and answers "mem" with its memory, "quit" by leaving.
func serveRole() error {
	s, err := socket.Listen(socket.Config{Addr: "127.0.0.1:0", IdleTimeout: time.Hour, HandshakeTimeout: time.Minute,
		Logger: slog.New(slog.DiscardHandler)}, ackNode{})
	if err != nil {
		return err
	}
	fmt.Printf("addr %s\n", s.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "mem":
			fmt.Println(memLine(s.Conns()))
		case "quit":
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			return s.Shutdown(ctx)
		}
	}
	return in.Err()
}

// clientRole opens the swarm, reports it and its memory, and closes it on "close".
func clientRole() error {
	conns, err := strconv.Atoi(os.Getenv(swarmConnsEnv))
	if err != nil {
		return err
	}
	base := memLine(0)
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{
		URL:        os.Getenv(swarmURLEnv),
		Conns:      conns,
		SourceIPs:  swarm.SourceIPs(4),
		FirstFrame: func(i int) []byte { return connectBytes(i) },
		Progress:   progressTo(),
	})
	if sw == nil {
		return err
	}
	r := sw.Result()
	if r.Failed > 0 {
		fmt.Fprintf(os.Stderr, "client: %d failed %v: first: %v\n", r.Failed, r.Errors, r.FirstErr)
	}
	fmt.Printf("opened %d failed %d elapsed %d base %s now %s\n", r.Opened, r.Failed, r.Elapsed, base, memLine(sw.Alive()))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "close" {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return sw.Close(ctx)
}

// progressTo is where a client shows its progress: stderr with
// TOPLAB_SWARM_PROGRESS=1, else nowhere (it would land in benchmark output).
func progressTo() io.Writer {
	if os.Getenv("TOPLAB_SWARM_PROGRESS") == "1" {
		return os.Stderr
	}
	return nil
}

func connectBytes(i int) []byte {
	b, _ := tmc.AppendFrame(nil, (&tmc.Connect{AppKey: "app" + strconv.Itoa(i%1000), Timestamp: 1700000000000, Sign: "S"}).ToFrame())
	return b
}

// mem is one process's memory: resident set, Go heap in use and goroutine stacks.
type mem struct {
	conns                 int
	rss, heap, stack, sys uint64
	goroutines            int
}

// memLine measures this process after a collection and renders it.
func memLine(conns int) string {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("conns=%d rss=%d heap=%d stack=%d sys=%d goroutines=%d",
		conns, rss(), ms.HeapInuse, ms.StackInuse, ms.Sys, runtime.NumGoroutine())
}

func parseMem(s string) (mem, error) {
	var m mem
	_, err := fmt.Sscanf(s, "conns=%d rss=%d heap=%d stack=%d sys=%d goroutines=%d",
		&m.conns, &m.rss, &m.heap, &m.stack, &m.sys, &m.goroutines)
	return m, err
}

// rss is the resident set size from /proc/self/statm.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}
