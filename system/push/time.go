package push

import "time"

func msTime(ms int64) time.Time { return time.UnixMilli(ms) }

func secondsOf(n int) time.Duration { return time.Duration(n) * time.Second }
