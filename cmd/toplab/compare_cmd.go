package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/reports/compare"
)

// runCompare is `toplab compare RUN...`: the first run is the baseline.
func runCompare(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "compare", "RUN RUN... [-out DIR] (run folders; the first is the baseline)")
	out := fs.String("out", "", "folder for compare.{json,md,html} (default: <first run>/compare)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		fs.Usage()
		return usageError{"give at least two run folders"}
	}
	var runs []*reports.Run
	for _, p := range pos {
		r, err := reports.Load(p)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	cmp, err := compare.Compare(runs)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(pos[0], "compare")
	}
	if err := compare.WriteComparison(dir, cmp); err != nil {
		return err
	}
	md, err := os.ReadFile(filepath.Join(dir, "compare.md"))
	if err != nil {
		return err
	}
	env.stdout.Write(md)
	fmt.Fprintf(env.stdout, "\ncomparison: %s\n", filepath.Join(dir, "compare.html"))
	return nil
}
