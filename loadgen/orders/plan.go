package orders

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/toplab/toplab/system/backend"
)

// KindCreate is the kind of an action that creates an order; the others are
// backend.EventKind values.
const KindCreate = "create"

// Action is one planned action: what a hit does.
type Action struct {
	Seq    uint64 `json:"seq"`   // the hit it fills, from 0
	Order  uint64 `json:"order"` // the order's number in the run, in creation order
	Kind   string `json:"kind"`  // KindCreate or an event kind
	Seller string `json:"seller"`
}

// step is one action of an order's script.
type step struct {
	kind string
	ev   backend.Event // the event, unless kind is KindCreate
	want string        // the trade status the model expects after it
}

// order is one order of a run: the planner's script, then its execution.
type order struct {
	num    uint64
	seller string
	create backend.NewTrade
	script []step // steps not yet planned

	// Execution state, guarded by Generator.mu.
	tid   int64
	busy  bool  // an action is in flight
	dead  bool  // an action failed: the rest are skipped
	queue []job // actions due while busy, in order
}

// planner draws the action sequence from the seed alone.
type planner struct {
	cfg     Config
	rng     *rand.Rand
	zipf    *rand.Zipf // over the sellers after the hot ones; nil if none
	open    []*order   // orders with steps left
	created uint64
	steps   uint64 // total script length of the created orders
}

// meanSteps is the planner's prior for an order's script length, before
// any order was drawn.
const meanSteps = 6

func newPlanner(cfg Config) *planner {
	p := &planner{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6f72646572730a))} // "orders"
	if rest := len(cfg.Sellers) - cfg.HotSellers; rest > 0 {
		p.zipf = rand.NewZipf(p.rng, cfg.Zipf, 1, uint64(rest-1))
	}
	return p
}

// next plans the next action: a new order, or the next step of a random
// order in progress. The create probability is 1/(mean script length),
// scaled by Open/(orders in progress + 1) so the pool settles near Open.
func (p *planner) next() (*order, step) {
	mean := float64(meanSteps)
	if p.created > 0 {
		mean = float64(p.steps) / float64(p.created)
	}
	create := float64(p.cfg.Open) / (mean * float64(len(p.open)+1))
	if len(p.open) == 0 || p.rng.Float64() < create {
		o := p.newOrder()
		first := o.script[0]
		o.script = o.script[1:]
		if len(o.script) > 0 {
			p.open = append(p.open, o)
		}
		return o, first
	}
	i := p.rng.IntN(len(p.open))
	o := p.open[i]
	st := o.script[0]
	o.script = o.script[1:]
	if len(o.script) == 0 {
		last := len(p.open) - 1
		p.open[i], p.open[last] = p.open[last], nil
		p.open = p.open[:last]
	}
	return o, st
}

func (p *planner) pickSeller() string {
	c := p.cfg
	if c.HotSellers > 0 && (p.zipf == nil || p.rng.Float64() < c.HotShare) {
		return c.Sellers[p.rng.IntN(c.HotSellers)]
	}
	return c.Sellers[c.HotSellers+int(p.zipf.Uint64())]
}

var (
	itemWords = []string{"连衣裙", "羽绒服", "运动鞋", "蓝牙耳机", "保温杯", "面膜", "坚果礼盒", "机械键盘", "双肩包", "茶叶"}
	provinces = []string{"浙江省", "江苏省", "广东省", "上海", "北京", "四川省"}
)

// newOrder draws an order and its whole script.
func (p *planner) newOrder() *order {
	r, mix := p.rng, p.cfg.Mix
	o := &order{num: p.created, seller: p.pickSeller()}
	p.created++
	buyer := fmt.Sprintf("buyer_%06d", 1+r.IntN(p.cfg.Buyers))
	lines := 1
	if r.Float64() < mix.MultiLine {
		lines = 2 + r.IntN(2)
	}
	o.create = backend.NewTrade{SellerNick: o.seller, BuyerNick: buyer, Orders: make([]backend.NewOrder, lines)}
	var total backend.Money
	for i := range o.create.Orders {
		l := backend.NewOrder{
			Title: fmt.Sprintf("%s %d", itemWords[r.IntN(len(itemWords))], 1+r.IntN(999)),
			Price: backend.Money(100 + r.IntN(50_000)),
			Num:   1 + r.IntN(3),
		}
		total += l.Price * backend.Money(l.Num)
		o.create.Orders[i] = l
	}
	if r.Float64() < 0.5 {
		o.create.PostFee = 1000
	}

	m := newTradeModel(lines)
	o.script = []step{{kind: KindCreate, want: m.status}}
	add := func(ev backend.Event) {
		if m.apply(ev.Kind, ev.Rater) {
			o.script = append(o.script, step{kind: string(ev.Kind), ev: ev, want: m.status})
		}
	}
	if r.Float64() < mix.ModifyFee {
		pay := total + o.create.PostFee - backend.Money(r.Int64N(int64(total)/5+1))
		add(backend.Event{Kind: backend.EventModifyFee, Payment: &pay})
	}
	address, addressFirst := r.Float64() < mix.AddressChange, r.IntN(2) == 0
	if address && addressFirst {
		add(p.addressChange(buyer))
	}
	if r.Float64() < mix.Close {
		add(backend.Event{Kind: backend.EventClose})
	} else {
		add(backend.Event{Kind: backend.EventPay})
		if address && !addressFirst {
			add(p.addressChange(buyer))
		}
		refund, refundAt, refundOK := r.Float64() < mix.Refund, r.IntN(3), r.Float64() < mix.RefundSuccess
		refundNow := func(at int) {
			if !refund || refundAt != at {
				return
			}
			add(backend.Event{Kind: backend.EventRefundCreate})
			if refundOK {
				add(backend.Event{Kind: backend.EventRefundSuccess})
			} else {
				add(backend.Event{Kind: backend.EventRefundClose})
			}
		}
		refundNow(0) // before shipment
		if r.Float64() < mix.PartlyShip {
			add(backend.Event{Kind: backend.EventPartlyShip})
		}
		add(backend.Event{Kind: backend.EventShip})
		refundNow(1) // shipped, not yet confirmed
		add(backend.Event{Kind: backend.EventConfirm})
		refundNow(2) // after it finished
		if r.Float64() < mix.Rate {
			add(backend.Event{Kind: backend.EventRate, Rater: "buyer"})
		}
		if r.Float64() < mix.SellerRate {
			add(backend.Event{Kind: backend.EventRate, Rater: "seller"})
		}
	}
	if r.Float64() < mix.Memo {
		// A memo is allowed in any status: anywhere after the create.
		i := 1 + r.IntN(len(o.script))
		memo := fmt.Sprintf("toplab memo %d", r.IntN(1_000_000))
		o.script = slices.Insert(o.script, i, step{
			kind: string(backend.EventMemo),
			ev:   backend.Event{Kind: backend.EventMemo, Memo: &memo, Flag: r.IntN(6)},
			want: o.script[i-1].want,
		})
	}
	p.steps += uint64(len(o.script))
	return o
}

func (p *planner) addressChange(buyer string) backend.Event {
	r := p.rng
	return backend.Event{Kind: backend.EventAddressChange, Receiver: &backend.Receiver{
		ReceiverName: buyer, ReceiverState: provinces[r.IntN(len(provinces))], ReceiverCity: "toplab city",
		ReceiverDistrict: "toplab district", ReceiverAddress: fmt.Sprintf("toplab road %d", 1+r.IntN(9999)),
		ReceiverZip: "310000", ReceiverMobile: fmt.Sprintf("138%08d", r.IntN(100_000_000)),
	}}
}

// Plan returns the first n actions a run with cfg takes, without sending
// anything: the same seed gives the same actions, whatever the server does.
func Plan(cfg Config, n int) ([]Action, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := newPlanner(cfg)
	out := make([]Action, n)
	for i := range out {
		o, st := p.next()
		out[i] = Action{Seq: uint64(i), Order: o.num, Kind: st.kind, Seller: o.seller}
	}
	return out, nil
}
