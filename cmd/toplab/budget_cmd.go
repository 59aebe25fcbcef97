package main

import (
	"context"
	"errors"
	"os"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/reports/budget"
)

// errBudget makes `toplab budget` exit 1: the table says which entry.
var errBudget = errors.New("budget breached")

// runBudget is `toplab budget RUN --budgets FILE [--baseline RUN] [-junit FILE]`.
func runBudget(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "budget", "RUN --budgets FILE [--baseline RUN] [-junit FILE]")
	file := fs.String("budgets", "", "budgets file (YAML; see reports/budget/testdata/budgets.yaml)")
	base := fs.String("baseline", "", "baseline run folder, for relative budgets")
	junit := fs.String("junit", "", "also write JUnit XML here")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *file == "" {
		fs.Usage()
		return usageError{"give one run folder and --budgets FILE"}
	}
	run, err := reports.Load(pos[0])
	if err != nil {
		return err
	}
	entries, err := budget.LoadFile(*file)
	if err != nil {
		return err
	}
	var baseline *reports.Run
	if *base != "" {
		if baseline, err = reports.Load(*base); err != nil {
			return err
		}
	}
	res := budget.Evaluate(run, entries, baseline)
	if err := res.WriteTable(env.stdout); err != nil {
		return err
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err != nil {
			return err
		}
		if err := res.WriteJUnit(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if res.Breached() {
		return errBudget
	}
	return nil
}
