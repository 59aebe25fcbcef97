package loadgen

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestDefaultClassifier(t *testing.T) {
	tests := []struct {
		name string
		r    vegeta.Result
		want string
	}{
		{"ok", vegeta.Result{Code: 200}, OutcomeOK},
		{"no content", vegeta.Result{Code: 204}, OutcomeOK},
		{"redirect", vegeta.Result{Code: 302}, "http_302"},
		{"not found", vegeta.Result{Code: 404, Error: "404 Not Found"}, "http_404"},
		{"unavailable", vegeta.Result{Code: 503, Error: "503 Service Unavailable"}, "http_503"},
		{"odd code", vegeta.Result{Code: 1234}, "http_other"},
		{"client timeout", vegeta.Result{Error: `Get "http://x/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`}, "error:timeout"},
		{"dial timeout", vegeta.Result{Error: "dial tcp 10.0.0.1:80: i/o timeout"}, "error:timeout"},
		{"refused", vegeta.Result{Error: "dial tcp 127.0.0.1:1: connect: connection refused"}, "error:refused"},
		{"reset", vegeta.Result{Error: "read tcp: connection reset by peer"}, "error:reset"},
		{"closed", vegeta.Result{Error: "read tcp: use of closed network connection"}, "error:closed"},
		{"eof", vegeta.Result{Error: `Get "http://x/": EOF`}, "error:eof"},
		{"ports", vegeta.Result{Error: "dial tcp: connect: cannot assign requested address"}, "error:addr"},
		{"fds", vegeta.Result{Error: "socket: too many open files"}, "error:fd"},
		{"dns", vegeta.Result{Error: "dial tcp: lookup nowhere: no such host"}, "error:dns"},
		{"targeter", vegeta.Result{Error: vegeta.ErrNoTargets.Error()}, "error:targeter"},
		{"other", vegeta.Result{Error: "something else"}, "error:other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultClassifier(&tc.r); got != tc.want {
				t.Fatalf("DefaultClassifier = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultClassifierDoesNotAllocate(t *testing.T) {
	r := &vegeta.Result{Code: 503}
	if n := testing.AllocsPerRun(100, func() { DefaultClassifier(r) }); n != 0 {
		t.Fatalf("%v allocations per classification", n)
	}
}

func FuzzErrorOutcome(f *testing.F) {
	for _, s := range []string{"", "EOF", "connection refused", "Client.Timeout"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		if got := ErrorOutcome(msg); !strings.HasPrefix(got, "error:") {
			t.Fatalf("ErrorOutcome(%q) = %q", msg, got)
		}
	})
}

// closedPort returns an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestAttackCountsOutcomes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	srv := serve(t, mux)
	tr := getTargeter(srv.URL+"/ok", srv.URL+"/missing", srv.URL+"/boom", "http://"+closedPort(t)+"/")
	sum, err := Attack(context.Background(), tr, Options{Pacer: rate(400), MaxHits: 40})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes := map[string]uint64{OutcomeOK: 10, "http_404": 10, "http_500": 10, "error:refused": 10}
	wantCodes := map[uint16]uint64{200: 10, 404: 10, 500: 10, 0: 10}
	for k, v := range wantOutcomes {
		if sum.Outcomes[k] != v {
			t.Errorf("outcomes %v, want %v", sum.Outcomes, wantOutcomes)
			break
		}
	}
	for k, v := range wantCodes {
		if sum.Codes[k] != v {
			t.Errorf("codes %v, want %v", sum.Codes, wantCodes)
			break
		}
	}
	var errs uint64
	for _, s := range sum.Series {
		errs += s.Errors
	}
	if sum.Successes != 10 || errs != 30 {
		t.Fatalf("successes %d, errors in the series %d; want 10 and 30", sum.Successes, errs)
	}
}

// The TOP targeter will classify TOP error codes from the body; any
// classifier plugs in the same way.
func TestAttackCustomClassifier(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/limited" {
			w.Write([]byte(`{"error_response":{"code":7,"msg":"App Call Limited"}}`))
			return
		}
		w.Write([]byte(`{"user_seller_get_response":{}}`))
	}))
	classify := func(r *vegeta.Result) string {
		if strings.Contains(string(r.Body), `"code":7`) {
			return "top_7"
		}
		return DefaultClassifier(r)
	}
	sum, err := Attack(context.Background(), getTargeter(srv.URL+"/ok", srv.URL+"/limited"),
		Options{Pacer: rate(400), MaxHits: 20, Classifier: classify})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Outcomes["top_7"] != 10 || sum.Outcomes[OutcomeOK] != 10 || sum.Successes != 10 || sum.Codes[200] != 20 {
		t.Fatalf("outcomes %v codes %v successes %d", sum.Outcomes, sum.Codes, sum.Successes)
	}
}
