package toptarget

import (
	"strconv"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/top"
)

// DefaultMix is an order-sync ISV's traffic over the backend's catalogue:
// mostly single-order and incremental trade reads, some list, item and
// seller reads. The increment window is the hour before now (the API allows
// at most a day). taobao.item.get draws from CatalogueItems of a default
// backend (10 sellers of 20 items).
func DefaultMix(now time.Time) []API {
	trade := "tid,status,modified,payment,orders"
	return []API{
		{Method: backend.MethodTradeFullinfoGet, Weight: 40, Tid: true, Params: map[string]string{"fields": trade}},
		{Method: backend.MethodTradesSoldIncrementGet, Weight: 20, Params: map[string]string{
			"fields": "tid,status,modified", "use_has_next": "true", "page_size": "40",
			"start_modified": top.FormatTimestamp(now.Add(-time.Hour)), "end_modified": top.FormatTimestamp(now),
		}},
		{Method: backend.MethodTradesSoldGet, Weight: 10, Params: map[string]string{"fields": "tid,status,modified", "page_size": "20"}},
		{Method: backend.MethodItemGet, Weight: 10, NoSession: true, Params: map[string]string{"fields": "num_iid,title,price"},
			Pick: map[string][]string{"num_iid": CatalogueItems(10, 20)}},
		{Method: backend.MethodItemsOnsaleGet, Weight: 10, Params: map[string]string{"fields": "num_iid,title,price", "page_size": "20"}},
		{Method: backend.MethodUserSellerGet, Weight: 10, Params: map[string]string{"fields": "user_id,nick,seller_credit"}},
	}
}

// withoutTids drops the entries that need order tids.
func withoutTids(mix []API) []API {
	var out []API
	for _, api := range mix {
		if !api.Tid {
			out = append(out, api)
		}
	}
	return out
}

// CatalogueItems lists the num_iids of a backend's generated catalogue with
// the given seller count (besides demo_seller) and items per seller. It
// mirrors the backend's numbering (600000000000 + seller*10000 + item); a
// test against a real backend checks that every one resolves.
func CatalogueItems(sellers, itemsPerSeller int) []string {
	const first, perSeller = 600_000_000_000, 10_000
	out := make([]string, 0, (sellers+1)*itemsPerSeller)
	for s := 0; s <= sellers; s++ {
		for j := range itemsPerSeller {
			out = append(out, strconv.FormatInt(int64(first+s*perSeller+j), 10))
		}
	}
	return out
}
