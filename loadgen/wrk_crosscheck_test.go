package loadgen_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
	"github.com/toplab/toplab/system/top"
	"github.com/toplab/toplab/testenv"
)

// The cross-check: at the same concurrency against the same target, the
// closed model and Debian's wrk must agree. The target's fixed think time
// dominates each request, so both tools should see about C / (think +
// overhead) requests per second and a median just above the think time;
// a generator that paced its workers, held connections idle, lost results
// or mis-measured latency would disagree. See crosscheck.md for the figures.
//
// The machine is shared with other engineers' builds and benchmarks, which
// come in bursts: the tools take turns in short rounds and each is judged by
// its least disturbed round (highest throughput, lowest quantiles), as
// benchmarks are judged by their fastest run. Noise only ever slows a round
// down, so the best rounds are the comparable ones.
const (
	// 5 ms, not less: Go's net/http client spends 0.2-0.3 ms more per
	// request than wrk on this machine (a bare net/http loop measured 0.17
	// ms above wrk's median, loadgen 0.2-0.37 ms). Against a 5 ms think
	// time that offset costs loadgen 4-6% of wrk's throughput, against
	// 2 ms it cost 8-13%, too close to any tolerance that still means
	// something.
	wrkThink       = 5 * time.Millisecond
	wrkConns       = 8
	wrkRunDuration = time.Second
	wrkRounds      = 4 // wrk, loadgen, wrk, loadgen, ...: 8 s in all
	// Throughput within 15%: measured ratios were 0.94-0.96; a generator
	// that leaves one of 8 connections idle measured 0.84 and fails, two
	// idle would be about 0.71.
	wrkThroughputTolerance = 0.15
	// Medians within 0.5 ms (a tenth of the think time): both measure the
	// same 5 ms wait plus loopback and client overhead, and loadgen's
	// median sat 0.18-0.37 ms above wrk's; a unit or bucket error, or a
	// latency taken from the wrong instant, is far larger. p90 gets 1 ms
	// for scheduling noise; p99 is logged, not asserted (a GC pause or a
	// neighbour's burst moves it by milliseconds).
	wrkP50Tolerance = 500 * time.Microsecond
	wrkP90Tolerance = time.Millisecond
	// wrkBusy: when other processes (not this one, wrk or the target) kept
	// more than this many of the cores busy on average during the rounds,
	// the test skips saying so: the two clients then compete with the
	// neighbours rather than with each other, and the Go client, which
	// spends several times wrk's CPU per request, loses more (at a load
	// average of 15 wrk's own p90 reached hundreds of milliseconds). The
	// figure excludes the generator's CPU, so a slow generator cannot cause
	// a skip. Ratios of 0.94-0.96 were still measured with 1.4-1.7 cores
	// busy elsewhere, so the threshold is conservative.
	wrkBusy = 1.0
)

func TestClosedModelAgreesWithWrk(t *testing.T) {
	if testing.Short() {
		t.Skip("runs wrk and the closed model for 8 s; skipped in -short mode")
	}
	if raceEnabled() {
		t.Skip("the race detector slows the Go client several-fold and wrk not at all: run without -race, e.g. go test -run TestClosedModelAgreesWithWrk ./loadgen/")
	}
	bin, err := exec.LookPath("wrk")
	if err != nil {
		testenv.SkipOrFail(t, "wrk is not installed", "`make deps` (apt-get install wrk) installs Debian's wrk; CI does via .ci/run")
	}
	// The target runs in its own process, so both clients are separate
	// processes competing alike for the cores when the machine is busy.
	url, pid := startTargetProcess(t, targetThink)
	url += "/"
	meter := startForeignCPU(pid)

	var wrk, ours wrkBest
	for i := range wrkRounds {
		w, err := runWrk(t, bin, url)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := loadgen.Closed(context.Background(), vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url}),
			loadgen.Options{Concurrency: wrkConns, Duration: wrkRunDuration})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Successes != sum.Requests || sum.Requests == 0 {
			t.Fatalf("loadgen: %d of %d hits succeeded: %v", sum.Successes, sum.Requests, sum.Outcomes)
		}
		t.Logf("round %d: wrk %.0f req/s p50 %s p90 %s p99 %s | loadgen %.0f req/s p50 %s p90 %s p99 %s", i+1,
			w.RPS, w.P50, w.P90, w.P99, sum.Throughput, sum.Raw.P50, sum.Raw.P90, sum.Raw.P99)
		wrk.add(w.RPS, w.P50, w.P90, w.P99)
		ours.add(sum.Throughput, sum.Raw.P50, sum.Raw.P90, sum.Raw.P99)
	}
	t.Logf("best: wrk %s | loadgen %s | throughput ratio %.3f", wrk, ours, ours.rps/wrk.rps)
	if busy, ok := meter.cores(); ok && busy > wrkBusy {
		t.Skipf("machine too busy to compare: other processes kept %.2f cores busy during the rounds (more than %.2f; load average %s)",
			busy, wrkBusy, loadAverage())
	} else {
		t.Logf("other processes kept %.2f cores busy during the rounds (measured: %v)", busy, ok)
	}
	if r := ours.rps / wrk.rps; math.Abs(r-1) > wrkThroughputTolerance {
		t.Errorf("throughput: loadgen %.0f req/s, wrk %.0f req/s: ratio %.3f outside 1 +- %.2f", ours.rps, wrk.rps, r, wrkThroughputTolerance)
	}
	if d := (ours.p50 - wrk.p50).Abs(); d > wrkP50Tolerance {
		t.Errorf("p50: loadgen %s, wrk %s: %s apart, more than %s", ours.p50, wrk.p50, d, wrkP50Tolerance)
	}
	if d := (ours.p90 - wrk.p90).Abs(); d > wrkP90Tolerance {
		t.Errorf("p90: loadgen %s, wrk %s: %s apart, more than %s", ours.p90, wrk.p90, d, wrkP90Tolerance)
	}
	if wrk.p50 < wrkThink || ours.p50 < wrkThink {
		t.Errorf("a median below the think time %s: wrk %s, loadgen %s", wrkThink, wrk.p50, ours.p50)
	}
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// wrkBest keeps a tool's least disturbed figures over its rounds.
type wrkBest struct {
	rps           float64
	p50, p90, p99 time.Duration
}

func (b *wrkBest) add(rps float64, p50, p90, p99 time.Duration) {
	if b.rps == 0 {
		*b = wrkBest{rps, p50, p90, p99}
		return
	}
	b.rps = max(b.rps, rps)
	b.p50, b.p90, b.p99 = min(b.p50, p50), min(b.p90, p90), min(b.p99, p99)
}

func (b wrkBest) String() string {
	return fmt.Sprintf("%.0f req/s p50 %s p90 %s p99 %s", b.rps, b.p50, b.p90, b.p99)
}

// foreignCPU measures the CPU time other processes spend while the
// cross-check runs: the machine's busy time (/proc/stat) minus this
// process's, its waited-for children's (wrk) and the target process's.
type foreignCPU struct {
	start       time.Time
	busy, own   time.Duration
	target      int
	targetStart time.Duration
	ok          bool
}

func startForeignCPU(target int) *foreignCPU {
	f := &foreignCPU{start: time.Now(), target: target}
	var ok1, ok2 bool
	f.busy, ok1 = machineBusy()
	f.targetStart, ok2 = processCPU(target)
	f.own, f.ok = selfAndChildrenCPU(), ok1 && ok2
	return f
}

// cores returns the average number of cores other processes kept busy
// since start, or false where /proc cannot tell.
func (f *foreignCPU) cores() (float64, bool) {
	busy, ok1 := machineBusy()
	target, ok2 := processCPU(f.target)
	if !f.ok || !ok1 || !ok2 {
		return 0, false
	}
	foreign := (busy - f.busy) - (selfAndChildrenCPU() - f.own) - (target - f.targetStart)
	return max(foreign.Seconds(), 0) / time.Since(f.start).Seconds(), true
}

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

// machineBusy sums the non-idle CPU time of all cores from /proc/stat.
func machineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var busy uint64
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, false
		}
		if i != 3 && i != 4 { // not idle, not iowait
			busy += n
		}
	}
	return time.Duration(busy) * clockTick, true
}

// processCPU is a running process's user plus system time from /proc.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64) // utime, field 14
	s, err2 := strconv.ParseUint(f[12], 10, 64) // stime, field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * clockTick, true
}

// selfAndChildrenCPU is this process's CPU time plus its waited-for children's.
func selfAndChildrenCPU() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}

// loadAverage is /proc/loadavg's first three fields, for the skip message.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func runWrk(t *testing.T, bin, url string) (wrkResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wrkRunDuration+10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-t1", "-c"+strconv.Itoa(wrkConns), "-d"+wrkRunDuration.String(), "--latency", url).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	w, err := parseWrk(out)
	if err != nil {
		return w, fmt.Errorf("%w\n%s", err, out)
	}
	if w.SocketErrors != 0 || w.Non2xx != 0 {
		return w, fmt.Errorf("wrk saw %d socket errors and %d non-2xx answers\n%s", w.SocketErrors, w.Non2xx, out)
	}
	return w, nil
}

// wrkResult is what `wrk --latency` prints.
type wrkResult struct {
	Requests           uint64
	Duration           time.Duration
	RPS                float64
	P50, P75, P90, P99 time.Duration
	SocketErrors       uint64 // connect + read + write + timeout
	Non2xx             uint64
}

// parseWrk reads wrk 4's report. It needs the request count, Requests/sec
// and the latency distribution (50, 90 and 99%); socket errors and non-2xx
// counts are read when present.
func parseWrk(out []byte) (wrkResult, error) {
	var w wrkResult
	var seen struct{ requests, rps, p50, p90, p99 bool }
	inDist := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case line == "Latency Distribution":
			inDist = true
			continue
		case inDist && len(f) == 2 && strings.HasSuffix(f[0], "%"):
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return w, fmt.Errorf("wrk latency %s: %w", f[0], err)
			}
			switch f[0] {
			case "50%", "50.000%":
				w.P50, seen.p50 = d, true
			case "75%", "75.000%":
				w.P75 = d
			case "90%", "90.000%":
				w.P90, seen.p90 = d, true
			case "99%", "99.000%":
				w.P99, seen.p99 = d, true
			}
			continue
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				return w, fmt.Errorf("wrk request count %q: %w", f[0], err)
			}
			d, err := parseWrkDuration(strings.TrimSuffix(f[3], ","))
			if err != nil {
				return w, fmt.Errorf("wrk run time: %w", err)
			}
			w.Requests, w.Duration, seen.requests = n, d, true
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil || v < 0 || math.IsInf(v, 0) {
				return w, fmt.Errorf("wrk Requests/sec %q", f[1])
			}
			w.RPS, seen.rps = v, true
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, err := strconv.ParseUint(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if err != nil {
					return w, fmt.Errorf("wrk socket errors %q", line)
				}
				w.SocketErrors += n
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(f) == 5:
			n, err := strconv.ParseUint(f[4], 10, 64)
			if err != nil {
				return w, fmt.Errorf("wrk non-2xx count %q", line)
			}
			w.Non2xx = n
		}
		inDist = false
	}
	if !seen.requests || !seen.rps || !seen.p50 || !seen.p90 || !seen.p99 {
		return w, errors.New("wrk output lacks the request count, Requests/sec or the 50/90/99% latencies (was --latency given?)")
	}
	return w, nil
}

// parseWrkDuration reads wrk's times: 987.00us, 2.10ms, 1.02s, 1.50m, 2.00h.
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || v > float64(1000*time.Hour/u.unit) {
			return 0, fmt.Errorf("duration %q", s)
		}
		return time.Duration(v * float64(u.unit)), nil
	}
	return 0, fmt.Errorf("duration %q has no unit", s)
}

// Captured from `wrk -t1 -c8 -d2s --latency` (Debian wrk 4.1.0) against the
// cross-check target on this machine.
const wrkCaptured = `Running 2s test @ http://127.0.0.1:37349/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.56ms  191.07us   5.54ms   84.51%
    Req/Sec     3.12k   102.84     3.23k    80.00%
  Latency Distribution
     50%    2.55ms
     75%    2.63ms
     90%    2.73ms
     99%    3.05ms
  6214 requests in 2.00s, 722.13KB read
Requests/sec:   3105.35
Transfer/sec:    360.88KB
`

// The same report with the lines wrk adds when things go wrong.
const wrkCapturedErrors = `Running 1s test @ http://127.0.0.1:37349/nothere
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02s   191.07us    1.50m   84.51%
    Req/Sec     3.12k   102.84     3.23k    80.00%
  Latency Distribution
     50%  987.00us
     75%    1.02s
     90%    1.50m
     99%    2.00h
  3128 requests in 1.00s, 363.51KB read
  Socket errors: connect 0, read 3, write 1, timeout 7
  Non-2xx or 3xx responses: 3128
Requests/sec:   3123.92
Transfer/sec:    363.03KB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want wrkResult
		err  bool
	}{
		{"clean", wrkCaptured, wrkResult{Requests: 6214, Duration: 2 * time.Second, RPS: 3105.35,
			P50: 2550 * time.Microsecond, P75: 2630 * time.Microsecond, P90: 2730 * time.Microsecond, P99: 3050 * time.Microsecond}, false},
		{"errors", wrkCapturedErrors, wrkResult{Requests: 3128, Duration: time.Second, RPS: 3123.92,
			P50: 987 * time.Microsecond, P75: 1020 * time.Millisecond, P90: 90 * time.Second, P99: 2 * time.Hour,
			SocketErrors: 11, Non2xx: 3128}, false},
		{"no --latency", strings.Replace(wrkCaptured, "Latency Distribution", "", 1), wrkResult{}, true},
		{"refused", "unable to connect to 127.0.0.1:1 Connection refused\n", wrkResult{}, true},
		{"bad unit", strings.Replace(wrkCaptured, "2.55ms", "2.55xs", 1), wrkResult{}, true},
		{"bad rate", strings.Replace(wrkCaptured, "3105.35", "fast", 1), wrkResult{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseWrk([]byte(tc.out))
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if !tc.err && got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Any output parses or fails cleanly, and what parses is sane.
func FuzzParseWrk(f *testing.F) {
	f.Add([]byte(wrkCaptured))
	f.Add([]byte(wrkCapturedErrors))
	f.Add([]byte("Latency Distribution\n50% 1s\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		w, err := parseWrk(out)
		if err != nil {
			return
		}
		if w.RPS < 0 || w.P50 < 0 || w.P90 < 0 || w.P99 < 0 || w.Duration < 0 {
			t.Fatalf("negative figures from %q: %+v", out, w)
		}
	})
}

// Targets the helper process serves (see TestLoadgenTargetProcess).
const (
	targetThink = "think" // wrkThink, then a small body
	targetFast  = "fast"  // an empty 200 at once
	targetTOP   = "top"   // a TOP success envelope at once; a batch gets one per item
)

// targetEnv names the target a re-executed test binary should serve.
const targetEnv = "TOPLAB_LOADGEN_TARGET"

// startTargetProcess re-executes the test binary as a target server on
// 127.0.0.1:0 and returns its base URL. Keeping the target out of this
// process keeps its CPU time out of the generator's (getrusage) and lets
// the clients compare on equal terms. The child exits when its stdin
// closes, so it cannot outlive the test.
func startTargetProcess(t testing.TB, kind string) (url string, pid int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadgenTargetProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), targetEnv+"="+kind, "GOMAXPROCS=2")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		cmd.Process.Kill()
		t.Fatalf("target process did not start: %q %v", line, err)
	}
	return "http://" + addr, cmd.Process.Pid
}

// TestLoadgenTargetProcess is the target server when run by
// startTargetProcess; in a normal test run it returns at once.
func TestLoadgenTargetProcess(t *testing.T) {
	kind := os.Getenv(targetEnv)
	if kind == "" {
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: targetHandler(kind)}
	go srv.Serve(l)
	fmt.Printf("listening %s\n", l.Addr())
	io.Copy(io.Discard, os.Stdin) // until the parent closes it or dies
	srv.Close()
}

func targetHandler(kind string) http.Handler {
	small := []byte("toplab wrk cross-check\n")
	okTOP := []byte(`{"item_get_response":{"item":{"num_iid":600000000000,"title":"x","price":"1.00"},"request_id":"r"}}`)
	sep := []byte(top.DefaultSeparator)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch kind {
		case targetThink:
			select { // the think time is the target's behaviour, not a test wait
			case <-time.After(wrkThink):
			case <-r.Context().Done():
				return
			}
			w.Write(small)
		case targetTOP:
			body, _ := io.ReadAll(r.Body)
			if r.URL.Path != "/router/batch" {
				w.Write(okTOP)
				return
			}
			for i := range bytes.Count(body, sep) + 1 {
				if i > 0 {
					w.Write(sep)
				}
				w.Write(okTOP)
			}
		}
	})
}
