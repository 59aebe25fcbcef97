package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/reports/compare"
	"github.com/toplab/toplab/scenarios"
)

// errSLO is returned when a run (or any run of a sweep) failed an SLO or a
// check: the exit code is 1 and the report says which.
var errSLO = errors.New("the run failed its SLOs")

// parseInterleaved parses flags given before or after the positional
// arguments (`toplab run double11 -out runs`), returning the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "run", "SCENARIO [flags] (a scenario file, or a bundled name: "+strings.Join(scenarios.BundledNames(), ", ")+")")
	out := fs.String("out", "runs", "folder of the run folders (<scenario>-<timestamp>)")
	envName := fs.String("env", envEmbedded, "embedded: local processes on SQLite files; containers: plus MariaDB and Redis containers (needs Docker and `toplab images`)")
	sweep := fs.String("sweep", "", "knob=a,b,c: one run per value, then a comparison")
	cal := fs.String("calibrate", calibrateAuto, "auto: use the per-machine cache or measure; force: measure again; off: cache only")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageError{"give one scenario"}
	}
	switch *cal {
	case calibrateAuto, calibrateForce, calibrateOff:
	default:
		return usageError{fmt.Sprintf("bad -calibrate %q: auto, force or off", *cal)}
	}
	if *envName != envEmbedded && *envName != envContainers {
		return usageError{fmt.Sprintf("bad -env %q: embedded or containers", *envName)}
	}
	s, err := scenarios.Open(pos[0])
	if err != nil {
		return err
	}
	var variants []*scenarios.Scenario
	var knob string
	var values []string
	if *sweep != "" {
		if knob, values, err = scenarios.ParseSweep(*sweep); err != nil {
			return usageError{err.Error()}
		}
		for _, v := range values {
			c := s.Clone()
			if err := c.ApplySweep(knob, v); err != nil {
				return err
			}
			variants = append(variants, c)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := s.CheckFlags(serveFlagChecker(self)); err != nil {
		return err
	}
	// Nodes run in their own data folders, so every path handed to them
	// must be absolute: `make double11` passes -out runs.
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	o := runOptions{out: outDir, env: *envName, calibrate: *cal, self: self, progress: env.stderr}
	if *sweep == "" {
		dir, run, err := runScenario(ctx, s, o)
		if run != nil {
			printRunResult(env, dir, run)
		}
		if err != nil {
			return err
		}
		if !run.Pass() {
			return errSLO
		}
		return nil
	}
	return runSweep(ctx, env, s.Name, o, knob, values, variants)
}

// runSweep runs each variant (the scenario with one value of knob), then
// compares the runs.
func runSweep(ctx context.Context, env *cliEnv, name string, o runOptions, knob string, values []string, variants []*scenarios.Scenario) error {
	var runs []*reports.Run
	failed := false
	for i, c := range variants {
		fmt.Fprintf(env.stderr, "sweep %d/%d: %s=%s\n", i+1, len(values), knob, values[i])
		dir, run, err := runScenario(ctx, c, o)
		if run != nil {
			printRunResult(env, dir, run)
			runs = append(runs, run)
			failed = failed || !run.Pass()
		}
		if err != nil {
			return fmt.Errorf("%s=%s: %w", knob, values[i], err)
		}
	}
	cmp, err := compare.Compare(runs)
	if err != nil {
		return err
	}
	dir := filepath.Join(o.out, fmt.Sprintf("%s-sweep-%s", name, time.Now().UTC().Format("20060102-150405")))
	if err := compare.WriteComparison(dir, cmp); err != nil {
		return err
	}
	if md, err := os.ReadFile(filepath.Join(dir, "compare.md")); err == nil {
		env.stdout.Write(md)
	}
	fmt.Fprintf(env.stdout, "comparison: %s\n", filepath.Join(dir, "compare.html"))
	if failed {
		return errSLO
	}
	return nil
}

// printRunResult prints the verdicts and where the report is.
func printRunResult(env *cliEnv, dir string, run *reports.Run) {
	env.stdout.Write(reports.Markdown(run))
	fmt.Fprintf(env.stdout, "\nsummary: %s\nreport:  %s\n", filepath.Join(dir, "summary.md"), filepath.Join(dir, "report.html"))
	if f := run.Failures(); len(f) > 0 {
		fmt.Fprintf(env.stdout, "FAIL (%d):\n  %s\n", len(f), strings.Join(f, "\n  "))
	} else {
		fmt.Fprintln(env.stdout, "PASS")
	}
}

// serveFlagChecker answers whether `toplab serve <role>` has a flag, from
// each role's -h output (the flag sets live in the serve commands).
func serveFlagChecker(self string) func(role, flag string) bool {
	known := map[string]map[string]bool{}
	for _, role := range scenarios.Roles {
		known[role] = map[string]bool{}
		out, _ := exec.Command(self, "serve", role, "-h").CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && strings.HasPrefix(line, "  -") {
				known[role][strings.TrimPrefix(f[0], "-")] = true
			}
		}
	}
	return func(role, flag string) bool { return known[role][flag] }
}
