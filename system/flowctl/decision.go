package flowctl

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/top"
)

// Key is one call to decide on.
type Key struct {
	App, API string
	// Group is the app's traffic group on this API; "" means the API's default group.
	Group string
}

// Decision is a limiter's answer. A rejection carries TOP error 7 with the
// sub-code of the window that refused and "This ban will last for N more
// seconds"; RetryAfter is the exact time until that window rolls over.
// Err is shared between decisions: render it, do not modify it.
type Decision struct {
	Allowed    bool
	Err        *top.Error
	RetryAfter time.Duration
}

// Limiter decides whether a call may pass.
type Limiter interface {
	Allow(ctx context.Context, k Key) Decision
}

var allowed = Decision{Allowed: true}

func (d dim) subCode() string {
	switch d {
	case dimApp:
		return top.SubAppAccessCount
	case dimAppAPI:
		return top.SubAppAPIAccessCount
	}
	return top.SubAPIAccessCount
}

// BanMessage is the sub_msg of a rejection whose ban lasts n more seconds.
func BanMessage(n int) string {
	return "This ban will last for " + strconv.Itoa(n) + " more seconds"
}

// banSeconds is the ban a rejection reports: 1 for a second window, else the
// rest of the window rounded up to whole seconds.
func banSeconds(w window, left time.Duration) int {
	if w == winSecond || left <= time.Second {
		return 1
	}
	return int((left + time.Second - 1) / time.Second)
}

// bans holds the rejection errors, built once: bans of up to a minute are a
// table, longer (daily) bans are cached per dimension for the current value,
// so a flood of rejections does not allocate.
type bans struct {
	short [3][61]*top.Error
	long  [3]atomic.Pointer[longBan]
}

type longBan struct {
	n   int
	err *top.Error
}

func newBans() *bans {
	b := &bans{}
	for d := range b.short {
		for n := 1; n < len(b.short[d]); n++ {
			b.short[d][n] = top.NewError(top.CodeAppCallLimited, dim(d).subCode(), BanMessage(n))
		}
	}
	return b
}

func (b *bans) err(d dim, n int) *top.Error {
	if n < len(b.short[d]) {
		return b.short[d][n]
	}
	if l := b.long[d].Load(); l != nil && l.n == n {
		return l.err
	}
	e := top.NewError(top.CodeAppCallLimited, d.subCode(), BanMessage(n))
	b.long[d].Store(&longBan{n: n, err: e})
	return e
}

// reject is the decision for a refusal by window w of dimension d ending at end.
func (b *bans) reject(d dim, w window, end, now int64) Decision {
	left := time.Duration(end - now)
	if left < 1 {
		left = 1
	}
	return Decision{Err: b.err(d, banSeconds(w, left)), RetryAfter: left}
}
