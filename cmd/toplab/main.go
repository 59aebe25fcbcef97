// Command toplab is the one binary of the lab: it runs system nodes, drives
// scenarios, builds images and judges runs. Flags and config files are read
// here only; packages take typed options.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the scratch image has no zoneinfo; daily quotas roll over in Asia/Shanghai
)

// command is one subcommand. run gets the arguments after the subcommand name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process's streams so commands are testable in-process.
type cliEnv struct {
	stdout, stderr io.Writer
}

// usageError marks bad invocations: they print usage and exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commands lists the registered subcommands; a command is registered only once it works.
func commands() []command {
	return []command{
		{"version", "print the version, commit and Go version", runVersion},
		{"images", "build the offline Docker images (Redis, MariaDB, toplab)", runImages},
		{"serve", "run one node: toplab serve <node> (gateway, backend)", runServe},
		{"up", "start the reference system on this machine and wait (Ctrl-C stops it)", runUp},
		{"down", "stop a running `toplab up`", runDown},
		{"status", "show the nodes of a running `toplab up`", runStatus},
		{"meta", "manage metadata through a gateway's admin API (apps, APIs, packages, sessions, flow rules, seeding)", runMeta},
		{"run", "run a scenario (double11, smoke or a file) against the reference system and write its report", runRun},
		{"compare", "compare run folders side by side, with significance tests", runCompare},
		{"budget", "judge a run against performance budgets (exit 1 on a breach)", runBudget},
		{"bench", "toplab bench gateway: backend alone, gateway, ReverseProxy and nginx on loopback, side by side", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cliEnv{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 {
		printUsage(env.stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		printUsage(env.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, env, args[1:])
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(env.stderr, "toplab %s: %s\n", name, ue.msg)
			return 2
		default:
			fmt.Fprintf(env.stderr, "toplab %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "toplab: unknown command %q\n\n", name)
	printUsage(env.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: toplab <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'toplab <command> -h' for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting, writing
// its usage to env.stderr.
func newFlags(env *cliEnv, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("toplab "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: toplab %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag errors and stray arguments into usage errors.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > maxArgs {
		fs.Usage()
		return usageError{fmt.Sprintf("unexpected arguments: %q", fs.Args()[maxArgs:])}
	}
	return nil
}
