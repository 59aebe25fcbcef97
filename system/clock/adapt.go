package clock

import "time"

// Nano adapts a Clock to libraries that read nanoseconds and ticks, such as
// otter's cache clock (NowNano, Tick), so a fake clock drives their expiry and
// refresh too.
type Nano struct{ Clock Clock }

// NowNano returns the clock's time as Unix nanoseconds.
func (n Nano) NowNano() int64 { return Or(n.Clock).Now().UnixNano() }

// Tick returns a channel of ticks every d. The ticker lives as long as the
// caller's goroutine reads it, as with time.Tick.
func (n Nano) Tick(d time.Duration) <-chan time.Time { return Or(n.Clock).NewTicker(d).C() }
