package datasync

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestSnapshotCollectorFlattensCounters(t *testing.T) {
	type counts struct{ Select, Update int64 }
	snap := struct {
		Statements counts
		Written    int64
		Name       string // not a counter: ignored
	}{counts{3, 5}, 7, "x"}
	reg := prometheus.NewRegistry()
	reg.MustRegister(snapshotCollector{prefix: "toplab_sync_db", labels: prometheus.Labels{"worker": "w"}, read: func() any { return snap }})
	want := `
# HELP toplab_sync_db_statements_select_total Counter statements_select.
# TYPE toplab_sync_db_statements_select_total counter
toplab_sync_db_statements_select_total{worker="w"} 3
# HELP toplab_sync_db_statements_update_total Counter statements_update.
# TYPE toplab_sync_db_statements_update_total counter
toplab_sync_db_statements_update_total{worker="w"} 5
# HELP toplab_sync_db_written_total Counter written.
# TYPE toplab_sync_db_written_total counter
toplab_sync_db_written_total{worker="w"} 7
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
