package backend

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/toplab/toplab/system/top"
)

// Item is a listing as taobao.item.get returns it.
type Item struct {
	NumIid        int64     `json:"num_iid"`
	Title         string    `json:"title"`
	Nick          string    `json:"nick"`
	Type          string    `json:"type"`
	Cid           int64     `json:"cid"`
	Price         Money     `json:"price"`
	PostFee       Money     `json:"post_fee"`
	Num           int       `json:"num"`
	ApproveStatus string    `json:"approve_status"`
	OuterID       string    `json:"outer_id"`
	PicURL        string    `json:"pic_url"`
	DetailURL     string    `json:"detail_url"`
	ListTime      Timestamp `json:"list_time"`
	DelistTime    Timestamp `json:"delist_time"`
	Created       Timestamp `json:"created"`
	Modified      Timestamp `json:"modified"`
}

var itemFields = jsonFieldNames(Item{})

// ItemCentre serves the catalogue's items; read-only and in memory.
type ItemCentre struct {
	cat *catalogue
}

var _ Service = (*ItemCentre)(nil)

// Item methods.
const (
	MethodItemGet        = "taobao.item.get"
	MethodItemsOnsaleGet = "taobao.items.onsale.get"
)

// maxItemsPageSize is taobao.items.onsale.get's largest page.
const maxItemsPageSize = 200

func (ic *ItemCentre) Name() string      { return "item" }
func (ic *ItemCentre) Methods() []string { return []string{MethodItemGet, MethodItemsOnsaleGet} }

// Get returns an item by num_iid.
func (ic *ItemCentre) Get(numIid int64) (Item, bool) {
	s, j, ok := ic.cat.itemLocation(numIid)
	if !ok {
		return Item{}, false
	}
	return ic.cat.item(s, j), true
}

// Onsale returns a seller's items on sale, in num_iid order.
func (ic *ItemCentre) Onsale(nick string) []Item {
	s, ok := ic.cat.sellerIndex(nick)
	if !ok {
		return nil
	}
	var out []Item
	for j := range ic.cat.itemsPerSeller {
		if it := ic.cat.item(s, j); it.ApproveStatus == "onsale" {
			out = append(out, it)
		}
	}
	return out
}

func (ic *ItemCentre) Call(_ context.Context, req *Request, dst []byte) ([]byte, error) {
	switch req.Method {
	case MethodItemGet:
		return ic.itemGet(req, dst)
	case MethodItemsOnsaleGet:
		return ic.onsaleGet(req, dst)
	}
	return dst, top.NewError(top.CodeInvalidMethod, "isv.invalid-method", req.Method)
}

// itemGet: taobao.item.get (num_iid, fields); public, no user needed.
func (ic *ItemCentre) itemGet(req *Request, dst []byte) ([]byte, error) {
	numIid, err := paramInt64(req.Params, "num_iid")
	if err != nil {
		return dst, err
	}
	fs, err := paramFields(req.Params, itemFields)
	if err != nil {
		return dst, err
	}
	it, ok := ic.Get(numIid)
	if !ok {
		return dst, top.Errorf(top.CodeRemoteServiceError, "isv.item-not-exist", "item %d does not exist", numIid)
	}
	doc, err := json.Marshal(&it)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `{"item":`...)
	dst = trimObject(dst, doc, fs)
	return append(dst, '}'), nil
}

// onsaleGet: taobao.items.onsale.get (fields, page_no, page_size) for the
// calling seller: {"items":{"item":[...]},"total_results":N}.
func (ic *ItemCentre) onsaleGet(req *Request, dst []byte) ([]byte, error) {
	if req.UserNick == "" {
		return dst, errNeedsUser()
	}
	fs, err := paramFields(req.Params, itemFields)
	if err != nil {
		return dst, err
	}
	pg, err := paramPage(req.Params, maxItemsPageSize)
	if err != nil {
		return dst, err
	}
	all := ic.Onsale(req.UserNick)
	dst = append(dst, `{"items":{"item":[`...)
	for i := pg.offset(); i < len(all) && i < pg.offset()+pg.size; i++ {
		if i > pg.offset() {
			dst = append(dst, ',')
		}
		doc, err := json.Marshal(&all[i])
		if err != nil {
			return dst, err
		}
		dst = trimObject(dst, doc, fs)
	}
	dst = append(dst, `]},"total_results":`...)
	dst = strconv.AppendInt(dst, int64(len(all)), 10)
	return append(dst, '}'), nil
}
