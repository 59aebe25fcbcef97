package testenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toplab/toplab/testenv"
)

// The test binary doubles as the programs the supervisor tests run, until
// system nodes exist: TOPLAB_TESTENV_ROLE selects one.
const roleEnv = "TOPLAB_TESTENV_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "node":
		os.Exit(runTestNode(os.Args[1:]))
	case "parent":
		os.Exit(runTestParent())
	}
	os.Exit(m.Run())
}

// runTestNode serves /healthz, /boots and /pid; its data folder (the working
// directory) counts its boots, so a restart in place can be told apart from a
// fresh node.
func runTestNode(args []string) int {
	fs := flag.NewFlagSet("testnode", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	ignoreTerm := fs.Bool("ignore-term", false, "ignore SIGTERM, to test the drain deadline")
	fail := fs.String("fail", "", "print this and exit 3 at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *fail != "" {
		fmt.Println(*fail)
		return 3
	}
	boots := 1
	if b, err := os.ReadFile("boots"); err == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		boots = n + 1
	}
	if err := os.WriteFile("boots", []byte(strconv.Itoa(boots)), 0o644); err != nil {
		fmt.Println(err)
		return 1
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/boots", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, boots) })
	mux.HandleFunc("/pid", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, os.Getpid()) })
	srv := &http.Server{Handler: mux}
	sigs := make(chan os.Signal, 1)
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(sigs, syscall.SIGTERM)
	}
	drained := make(chan struct{})
	go func() {
		<-sigs
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		os.WriteFile("drained", []byte("yes"), 0o644)
		close(drained)
	}()
	fmt.Printf("testnode pid %d serving %s boot %d\n", os.Getpid(), l.Addr(), boots)
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		fmt.Println(err)
		return 1
	}
	<-drained // Serve returns as soon as Shutdown begins; the drain finishes here
	return 0
}

// runTestParent plays `toplab up`: it supervises two nodes, prints their
// status as one JSON line, and stops them when SIGTERM or SIGINT arrives.
func runTestParent() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sup, err := testenv.NewSupervisor(testNodeSpec(os.Getenv("TOPLAB_TESTENV_DIR"), 2))
	if err == nil {
		err = sup.Start(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(sup.Status())
	<-ctx.Done()
	if err := sup.Stop(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// testNodeSpec runs count instances of the test node.
func testNodeSpec(dir string, count int, extra ...string) testenv.Spec {
	self, _ := os.Executable()
	return testenv.Spec{Dir: dir, Nodes: []testenv.NodeSpec{{
		Name:    "store",
		Count:   count,
		Command: append([]string{self, "-addr", "127.0.0.1:${port:http}"}, extra...),
		Env:     []string{roleEnv + "=node"},
		Ports:   []string{"http"},
		Health:  "http://127.0.0.1:${port:http}/healthz",
	}}}
}

// processGone reports whether pid no longer runs (a zombie counts as gone).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] == 'Z'
	}
	return false
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
