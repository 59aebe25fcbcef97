package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// freshnessSummary reads every sync worker's freshness log under dir
// (<dir>/data/<node>/freshness.log: one JSON line per committed change) into
// a summary of change -> seller DB latency, by the second the change happened
// since start. Changes before start (seeding) are left out.
func freshnessSummary(dir string, start time.Time) (*loadgen.Summary, int64, error) {
	rec := loadgen.NewRecorder(1)
	var n int64
	_, err := eachFreshness(dir, func(changed, committed int64) {
		at := time.UnixMilli(changed).Sub(start)
		if at < 0 {
			return
		}
		lat := max(time.Duration(committed-changed)*time.Millisecond, time.Millisecond/10)
		rec.Shard(0).Record(loadgen.Observation{Intended: at, Sent: at, Corrected: lat, Raw: lat, Outcome: loadgen.OutcomeOK})
		n++
	})
	if err != nil {
		return nil, n, err
	}
	sum, err := rec.Summary(start)
	if err != nil {
		return nil, n, err
	}
	sum.Name, sum.Model = "sync freshness", loadgen.ModelOpen
	return sum, n, nil
}

// eachFreshness calls fn with every record of every sync worker's freshness
// log under dir (<dir>/data/<node>/freshness.log) and returns how many logs
// it read.
func eachFreshness(dir string, fn func(changed, committed int64)) (int, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*", "freshness.log"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return 0, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if changed, committed, ok := parseFreshnessLine(sc.Bytes()); ok {
				fn(changed, committed)
			}
		}
		fh.Close()
	}
	return len(files), nil
}

// parseFreshnessLine reads one line of a sync worker's freshness log:
// {"changed_ms":...,"committed_ms":...}. A line that is no such record, or
// whose commit precedes its change, is skipped (ok false).
func parseFreshnessLine(b []byte) (changed, committed int64, ok bool) {
	var l struct {
		Changed   int64 `json:"changed_ms"`
		Committed int64 `json:"committed_ms"`
	}
	if json.Unmarshal(b, &l) != nil || l.Changed <= 0 || l.Committed < l.Changed {
		return 0, 0, false
	}
	return l.Changed, l.Committed, true
}
