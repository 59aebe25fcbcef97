package toptarget

import (
	"time"

	"github.com/toplab/toplab/system/top"
)

// stamp is the timestamp parameter for one second of the clock, and the
// stale one BadTimestamp sends; formatting allocates, hits come many a second.
type stamp struct {
	unix  int64
	text  string
	stale string
}

func (t *Targeter) timestamp() *stamp {
	now := t.clock.Now()
	if s := t.stamp.Load(); s != nil && s.unix == now.Unix() {
		return s
	}
	s := &stamp{unix: now.Unix(), text: top.FormatTimestamp(now), stale: top.FormatTimestamp(now.Add(-staleBy * time.Second))}
	t.stamp.Store(s)
	return s
}
