package zeroloss

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/top"
)

// OrderDiff is one order whose row differs from the trade centre.
type OrderDiff struct {
	Tid    int64  `json:"tid"`
	Reason string `json:"reason"` // missing, status, modified, hash, deleted
	Want   string `json:"want"`
	Got    string `json:"got"`
}

// OrderReport compares every order of the trade centre with the seller
// database: each must have a live row with the same status, modified and
// hash of the order's JSON.
type OrderReport struct {
	Orders      int         `json:"orders"`      // orders in the trade centre
	Rows        int         `json:"rows"`        // rows in jdp_tb_trade
	Differences int         `json:"differences"` // orders whose row is missing or differs
	Extra       int         `json:"extra"`       // rows of orders the trade centre does not have
	Diffs       []OrderDiff `json:"diffs,omitempty"`
}

// Pass reports zero differences.
func (r OrderReport) Pass() bool { return r.Differences == 0 && r.Extra == 0 }

func (r OrderReport) String() string {
	return fmt.Sprintf("orders %d, rows %d, differences %d, extra %d", r.Orders, r.Rows, r.Differences, r.Extra)
}

// maxDiffs bounds the differences a report lists (all are counted).
const maxDiffs = 50

// CheckOrders reads every order from the trade centre at tradeURL (the
// change log gives the tids, /internal/trades/{tid} the current version)
// and compares it with db. Sellers limits the check to some sellers (nil:
// all).
func CheckOrders(ctx context.Context, tradeURL string, db *sellerdb.DB, sellers []string) (OrderReport, error) {
	var rep OrderReport
	rows := map[int64]sellerdb.Row{}
	if err := db.Scan(ctx, func(r sellerdb.Row) error {
		if sellers == nil || slices.Contains(sellers, r.SellerNick) {
			rows[r.Tid] = r
		}
		return nil
	}); err != nil {
		return rep, fmt.Errorf("zeroloss: scan the seller database: %w", err)
	}
	rep.Rows = len(rows)
	tids, err := changedTids(ctx, tradeURL)
	if err != nil {
		return rep, err
	}
	seen := map[int64]bool{}
	for _, tid := range tids {
		v, err := tradeVersion(ctx, tradeURL, tid)
		if err != nil {
			return rep, err
		}
		if sellers != nil && !slices.Contains(sellers, v.SellerNick) {
			continue
		}
		rep.Orders++
		seen[tid] = true
		row, ok := rows[tid]
		var d *OrderDiff
		switch {
		case !ok:
			d = &OrderDiff{Tid: tid, Reason: "missing", Want: v.Modified}
		case row.Deleted:
			d = &OrderDiff{Tid: tid, Reason: "deleted", Want: v.Modified}
		case row.Status != v.Status:
			d = &OrderDiff{Tid: tid, Reason: "status", Want: v.Status, Got: row.Status}
		case top.FormatTimestamp(row.Modified) != v.Modified:
			d = &OrderDiff{Tid: tid, Reason: "modified", Want: v.Modified, Got: top.FormatTimestamp(row.Modified)}
		case row.Hash != v.hash:
			d = &OrderDiff{Tid: tid, Reason: "hash", Want: v.hash, Got: row.Hash}
		}
		if d != nil {
			rep.Differences++
			if len(rep.Diffs) < maxDiffs {
				rep.Diffs = append(rep.Diffs, *d)
			}
		}
	}
	for tid := range rows {
		if !seen[tid] {
			rep.Extra++
		}
	}
	return rep, nil
}

// changedTids returns every tid in the trade centre's change log (every
// order has at least its creation there).
func changedTids(ctx context.Context, tradeURL string) ([]int64, error) {
	var tids []int64
	seen := map[int64]bool{}
	after := int64(0)
	for {
		var page struct {
			Changes []struct {
				Content struct {
					Tid int64 `json:"tid"`
				} `json:"content"`
			} `json:"changes"`
			Next int64 `json:"next"`
		}
		if err := getJSON(ctx, tradeURL+"/internal/changes?limit=1000&after="+strconv.FormatInt(after, 10), &page); err != nil {
			return nil, err
		}
		if len(page.Changes) == 0 || page.Next <= after {
			return tids, nil
		}
		for _, c := range page.Changes {
			if !seen[c.Content.Tid] {
				seen[c.Content.Tid] = true
				tids = append(tids, c.Content.Tid)
			}
		}
		after = page.Next
	}
}

// centreVersion is an order's current version at the trade centre.
type centreVersion struct {
	Status, Modified, SellerNick string
	hash                         string
}

func tradeVersion(ctx context.Context, tradeURL string, tid int64) (centreVersion, error) {
	var v struct {
		Trade json.RawMessage `json:"trade"`
	}
	if err := getJSON(ctx, tradeURL+"/internal/trades/"+strconv.FormatInt(tid, 10), &v); err != nil {
		return centreVersion{}, err
	}
	var head struct {
		Status     string `json:"status"`
		Modified   string `json:"modified"`
		SellerNick string `json:"seller_nick"`
	}
	if err := json.Unmarshal(v.Trade, &head); err != nil {
		return centreVersion{}, fmt.Errorf("zeroloss: order %d: %w", tid, err)
	}
	return centreVersion{Status: head.Status, Modified: head.Modified, SellerNick: head.SellerNick, hash: sellerdb.Hash(v.Trade)}, nil
}

func getJSON(ctx context.Context, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("zeroloss: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("zeroloss: read %s: %w", url, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("zeroloss: GET %s: %s: %.200s", url, res.Status, body)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("zeroloss: GET %s: %w", url, err)
	}
	return nil
}
