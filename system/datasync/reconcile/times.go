package reconcile

import (
	"time"

	"github.com/toplab/toplab/system/top"
)

// stamp renders a window end as the API takes it.
func stamp(t time.Time) string { return top.FormatTimestamp(t) }
