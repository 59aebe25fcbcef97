package reconcile

import (
	"context"
	"encoding/json"
	"time"
)

// MethodIncrement is the API the platform side of the comparison comes from.
const MethodIncrement = "taobao.trades.sold.increment.get"

// MaxWindow is the longest window taobao.trades.sold.increment.get accepts.
const MaxWindow = 24 * time.Hour

// MaxPageSize is the API's largest page.
const MaxPageSize = 100

// Query asks for one page of a seller's orders changed in [From, To], both
// ends inclusive at second resolution.
type Query struct {
	Seller   string
	From, To time.Time
	PageNo   int // 1-based
	PageSize int
}

// Page is one page of the listing, oldest modified first (ties by tid).
type Page struct {
	// Trades are the "trade" objects exactly as the platform sent them: their
	// bytes are what the worker stores, so their hash is comparable.
	Trades []json.RawMessage
	// Total is the number of orders in the whole window when the page was read.
	Total int
}

// Platform lists a seller's orders by modified time. Implementations return
// every failure as an error: a page that could not be had is never empty.
type Platform interface {
	Increment(ctx context.Context, q Query) (Page, error)
}
