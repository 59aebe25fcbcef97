package backend

import (
	"context"
	"encoding/json"

	"github.com/toplab/toplab/system/top"
)

// User is a seller's account as taobao.user.seller.get returns it.
type User struct {
	UserID         int64     `json:"user_id"`
	Nick           string    `json:"nick"`
	Sex            string    `json:"sex"`
	Type           string    `json:"type"` // C: Taobao, B: Tmall
	Avatar         string    `json:"avatar"`
	Created        Timestamp `json:"created"`
	HasShop        bool      `json:"has_shop"`
	IsGoldenSeller bool      `json:"is_golden_seller"`
	AlipayBind     string    `json:"alipay_bind"`
	SellerCredit   Credit    `json:"seller_credit"`
}

// Credit is a seller's rating summary.
type Credit struct {
	Level    int   `json:"level"`
	Score    int64 `json:"score"`
	TotalNum int64 `json:"total_num"`
	GoodNum  int64 `json:"good_num"`
}

var userFields = jsonFieldNames(User{})

// MethodUserSellerGet returns the calling seller.
const MethodUserSellerGet = "taobao.user.seller.get"

// UserCentre serves the catalogue's sellers; read-only and in memory.
type UserCentre struct {
	cat *catalogue
}

var _ Service = (*UserCentre)(nil)

func (uc *UserCentre) Name() string      { return "user" }
func (uc *UserCentre) Methods() []string { return []string{MethodUserSellerGet} }

// Seller returns a seller by nick.
func (uc *UserCentre) Seller(nick string) (User, bool) {
	s, ok := uc.cat.sellerIndex(nick)
	if !ok {
		return User{}, false
	}
	return uc.cat.user(s), true
}

// Sellers lists every seller's nick: demo_seller first.
func (uc *UserCentre) Sellers() []string {
	out := make([]string, 0, uc.cat.sellers+1)
	for i := 0; i <= uc.cat.sellers; i++ {
		out = append(out, uc.cat.sellerNick(i))
	}
	return out
}

// Call serves taobao.user.seller.get (fields): the seller named by the
// identity header, {"user":{...}}.
func (uc *UserCentre) Call(_ context.Context, req *Request, dst []byte) ([]byte, error) {
	if req.Method != MethodUserSellerGet {
		return dst, top.NewError(top.CodeInvalidMethod, "isv.invalid-method", req.Method)
	}
	if req.UserNick == "" {
		return dst, errNeedsUser()
	}
	fs, err := paramFields(req.Params, userFields)
	if err != nil {
		return dst, err
	}
	u, ok := uc.Seller(req.UserNick)
	if !ok {
		return dst, top.Errorf(top.CodeRemoteServiceError, "isv.user-not-exist", "no seller with this nick")
	}
	doc, err := json.Marshal(&u)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `{"user":`...)
	dst = trimObject(dst, doc, fs)
	return append(dst, '}'), nil
}
