package socket_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// idleConnsEnv sets how many idle connections BenchmarkIdleConns holds
// (default 10000, so `go test -bench .` stays quick); the recorded run uses
// 100000.
const idleConnsEnv = "TOPLAB_IDLE_CONNS"

// perProcess is how many connections one server (and one client) process
// holds: this machine's RLIMIT_NOFILE hard limit is 20000 and the sandbox
// lacks CAP_SYS_RESOURCE to raise it, so 100k connections take several
// server processes; memory per connection is the same either way.
const perProcess = 16000

// helper is a re-executed test binary in a role.
type helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startHelper(b *testing.B, role string, env ...string) *helper {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h := &helper{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	b.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	return h
}

// ask sends a command (none if empty) and returns the reply line.
func (h *helper) ask(b *testing.B, cmd string) string {
	b.Helper()
	if cmd != "" {
		if _, err := fmt.Fprintln(h.in, cmd); err != nil {
			b.Fatal(err)
		}
	}
	if !h.out.Scan() {
		b.Fatalf("helper %v ended: %v", h.cmd.Args, h.out.Err())
	}
	return h.out.Text()
}

func (h *helper) mem(b *testing.B) mem {
	m, err := parseMem(h.ask(b, "mem"))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkIdleConns holds N idle WebSocket connections (each sent a
// CONNECT and got its CONNECTACK) and reports the servers' memory per
// connection: resident set delta and Go heap+stack delta over the
// connections, measured in the server processes only. Its time per op is
// the whole run; the metrics are what it is for.
func BenchmarkIdleConns(b *testing.B) {
	total := 10000
	if v := os.Getenv(idleConnsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		total = n
	}
	procs := (total + perProcess - 1) / perProcess
	for range b.N {
		servers := make([]*helper, procs)
		base := make([]mem, procs)
		for i := range servers {
			servers[i] = startHelper(b, "server")
			addr, ok := strings.CutPrefix(servers[i].ask(b, ""), "addr ")
			if !ok {
				b.Fatal("server did not report its address")
			}
			servers[i].cmd.Args = append(servers[i].cmd.Args, addr) // for messages
			base[i] = servers[i].mem(b)
		}
		start := time.Now()
		clients := make([]*helper, procs)
		replies := make([]string, procs)
		var wg sync.WaitGroup
		for i := range clients {
			n := total/procs + btoi(i < total%procs)
			url := "ws://" + servers[i].cmd.Args[len(servers[i].cmd.Args)-1] + "/"
			clients[i] = startHelper(b, "client", swarmURLEnv+"="+url, swarmConnsEnv+"="+strconv.Itoa(n))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if clients[i].out.Scan() {
					replies[i] = clients[i].out.Text()
				}
			}()
		}
		wg.Wait()
		dialled := time.Since(start)
		var conns, failed int
		var rssDelta, goDelta, clientRSS, clientGo int64
		for i := range servers {
			var opened, fails int
			var elapsed int64
			if _, err := fmt.Sscanf(replies[i], "opened %d failed %d elapsed %d", &opened, &fails, &elapsed); err != nil {
				b.Fatalf("client reply %q: %v", replies[i], err)
			}
			cbase, _ := parseMem(clientMemField(replies[i], "base "))
			cnow, _ := parseMem(clientMemField(replies[i], "now "))
			clientRSS += int64(cnow.rss) - int64(cbase.rss)
			clientGo += int64(cnow.heap+cnow.stack) - int64(cbase.heap+cbase.stack)
			failed += fails
			m := servers[i].mem(b)
			conns += m.conns
			rssDelta += int64(m.rss) - int64(base[i].rss)
			goDelta += int64(m.heap+m.stack) - int64(base[i].heap+base[i].stack)
		}
		if failed > 0 || conns != total {
			b.Fatalf("%d of %d connections held, %d failed", conns, total, failed)
		}
		b.ReportMetric(float64(conns), "conns")
		b.ReportMetric(float64(procs), "server-procs")
		b.ReportMetric(float64(rssDelta)/float64(conns), "rss-B/conn")
		b.ReportMetric(float64(goDelta)/float64(conns), "heap+stack-B/conn")
		b.ReportMetric(float64(clientRSS)/float64(conns), "client-rss-B/conn")
		b.ReportMetric(float64(clientGo)/float64(conns), "client-heap+stack-B/conn")
		b.ReportMetric(float64(conns)/dialled.Seconds(), "conns/s")
		for i := range clients {
			_, _ = fmt.Fprintln(clients[i].in, "close")
			_ = clients[i].cmd.Wait()
			_, _ = fmt.Fprintln(servers[i].in, "quit")
			_ = servers[i].cmd.Wait()
		}
	}
}

// clientMemField returns the mem fields after label in a client's reply.
func clientMemField(reply, label string) string {
	_, rest, _ := strings.Cut(reply, label)
	f := strings.Fields(rest)
	return strings.Join(f[:min(6, len(f))], " ")
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// BenchmarkEcho measures frames echoed per second over 1000 connections on
// loopback: each op is one trade message sent by a client, decoded by the
// server, re-encoded, sent back and read by the client. Clients are
// gorilla/websocket (a goroutine each), in the same process, on the same cores.
func BenchmarkEcho(b *testing.B) {
	const conns = 1000
	rec := &echoNode{}
	s := listen(b, socket.Config{}, rec)
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		clients[i] = dial(b, s)
	}
	m := tmc.Message{ID: 1, Topic: "taobao_trade_TradeBuyerPay", Nick: "seller", UserID: 42, PubTime: time.UnixMilli(1700000000000),
		Content: `{"tid":3915468842114120,"oid":3915468842114120,"seller_nick":"seller","buyer_nick":"buyer","payment":"129.00","type":"fixed","status":"WAIT_SELLER_SEND_GOODS"}`}
	msg := frameBytes(b, m.ToFrame())
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N/conns + btoi(i < b.N%conns)
		if n == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan error, 1)
			go func() { // reader
				for range n {
					if _, _, err := c.ReadMessage(); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for range n { // pipelined: the reader drains the echoes
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					b.Error(err)
					return
				}
			}
			if err := <-done; err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
}

// echoNode sends every frame back as it came.
type echoNode struct{}

func (echoNode) OnOpen(*socket.Conn)         {}
func (echoNode) OnClose(*socket.Conn, error) {}
func (echoNode) OnFrame(c *socket.Conn, f *tmc.Frame) {
	b, err := tmc.AppendFrame(nil, f)
	if err == nil {
		_ = c.Send(b)
	}
}
