package backend

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/top"
)

// DemoSeller is the seller every node knows besides the seeded ones.
const DemoSeller = "demo_seller"

// catalogue is the item and user centres' data, generated on demand from the
// seed so any number of sellers costs no memory: seller 0 is demo_seller,
// seller i >= 1 is seller_0001 ... (SellerNick), each with the same number
// of items. Two nodes with the same seed and counts serve the same data.
type catalogue struct {
	seed           uint64
	sellers        int // besides demo_seller
	itemsPerSeller int
}

// Ids of the generated data: readable, and far from trade ids.
const (
	firstUserID = 2_000_000_000
	firstNumIid = 600_000_000_000
)

// catalogueEpoch anchors generated dates, so data never depend on the clock.
var catalogueEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, top.GMT8)

func seedCatalogue(seed uint64, sellers, itemsPerSeller int) *catalogue {
	return &catalogue{seed: seed, sellers: sellers, itemsPerSeller: itemsPerSeller}
}

// SellerNick is the nick of seeded seller i (1-based): seller_0001, ...
func SellerNick(i int) string { return fmt.Sprintf("seller_%04d", i) }

// sellerIndex maps a nick to its seller index (0 for demo_seller).
func (c *catalogue) sellerIndex(nick string) (int, bool) {
	if nick == DemoSeller {
		return 0, true
	}
	digits, ok := strings.CutPrefix(nick, "seller_")
	if !ok || len(digits) < 4 || len(digits) > 7 || !allDigits(digits) {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 1 || i > c.sellers || SellerNick(i) != nick {
		return 0, false
	}
	return i, true
}

func (c *catalogue) sellerNick(i int) string {
	if i == 0 {
		return DemoSeller
	}
	return SellerNick(i)
}

// rng is the generator of one catalogue entity.
func (c *catalogue) rng(kind, id uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.seed, kind<<56^id))
}

// itemLocation maps a num_iid to its seller and position.
func (c *catalogue) itemLocation(numIid int64) (seller, j int, ok bool) {
	off := numIid - firstNumIid
	if off < 0 {
		return 0, 0, false
	}
	seller, j = int(off/10_000), int(off%10_000)
	return seller, j, seller <= c.sellers && j < c.itemsPerSeller
}

var itemWords = []string{"连衣裙", "羽绒服", "运动鞋", "蓝牙耳机", "保温杯", "面膜", "坚果礼盒", "机械键盘", "双肩包", "茶叶"}

// item generates seller s's item j.
func (c *catalogue) item(s, j int) Item {
	numIid := int64(firstNumIid + s*10_000 + j)
	r := c.rng(1, uint64(numIid))
	created := catalogueEpoch.Add(-time.Duration(r.IntN(365*24)) * time.Hour)
	listed := created.Add(time.Duration(r.IntN(72)) * time.Hour)
	status := "onsale"
	if r.IntN(10) == 0 {
		status = "instock"
	}
	return Item{
		NumIid:        numIid,
		Title:         fmt.Sprintf("%s %s 款%d", c.sellerNick(s), itemWords[r.IntN(len(itemWords))], j+1),
		Nick:          c.sellerNick(s),
		Type:          "fixed",
		Cid:           int64(50000000 + r.IntN(1000)),
		Price:         Money(100 * (1 + r.IntN(999))),
		PostFee:       Money(100 * r.IntN(3) * 5),
		Num:           r.IntN(5000),
		ApproveStatus: status,
		OuterID:       fmt.Sprintf("SKU-%d-%d", s, j),
		PicURL:        fmt.Sprintf("https://img.toplab.test/%d.jpg", numIid),
		DetailURL:     fmt.Sprintf("https://item.toplab.test/item.htm?id=%d", numIid),
		ListTime:      TimestampOf(listed),
		DelistTime:    TimestampOf(listed.Add(7 * 24 * time.Hour)),
		Created:       TimestampOf(created),
		Modified:      TimestampOf(listed),
	}
}

// user generates seller s's account.
func (c *catalogue) user(s int) User {
	r := c.rng(2, uint64(s))
	created := catalogueEpoch.Add(-time.Duration(1+r.IntN(3650)) * 24 * time.Hour)
	total := int64(r.IntN(1_000_000))
	userType := "C"
	if r.IntN(5) == 0 {
		userType = "B" // a Tmall shop
	}
	return User{
		UserID:         int64(firstUserID + s),
		Nick:           c.sellerNick(s),
		Sex:            []string{"m", "f"}[r.IntN(2)],
		Type:           userType,
		Avatar:         fmt.Sprintf("https://img.toplab.test/avatar/%d.jpg", firstUserID+s),
		Created:        TimestampOf(created),
		HasShop:        true,
		IsGoldenSeller: r.IntN(4) == 0,
		AlipayBind:     "bind",
		SellerCredit: Credit{
			Level:    1 + r.IntN(20),
			Score:    total * int64(95+r.IntN(5)) / 100,
			TotalNum: total,
			GoodNum:  total * int64(95+r.IntN(5)) / 100,
		},
	}
}
