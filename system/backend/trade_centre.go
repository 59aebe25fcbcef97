package backend

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/toplab/toplab/system/clock"
)

// TradeCentre is the source of truth for orders: it creates them, moves them
// through their lifecycle and logs every change for the message service.
// Safe for concurrent use.
type TradeCentre struct {
	store   *tradeStore
	clock   clock.Clock
	notify  *notifier
	metrics *metrics
	drain   chan struct{} // closed when the node drains: long polls return
	maxWait time.Duration

	// failInTx, when set (tests only), runs after an order and its change-log
	// entries are written and before the commit; an error rolls both back.
	failInTx func() error
}

// Version is one version of an order.
type Version struct {
	Trade Trade
	// Doc is the order's JSON, byte for byte what taobao.trade.fullinfo.get
	// returns in "trade" when asked for every field.
	Doc json.RawMessage
	// Hash is the hex SHA-256 of Doc (see HashDoc).
	Hash string
	// Changes are the change-log entries the write appended (nil from Get).
	Changes []Change
}

// HashDoc is the version hash of an order's JSON: hex SHA-256. A consumer
// that fetched every field with taobao.trade.fullinfo.get gets the same hash
// from the "trade" object's bytes.
func HashDoc(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// maxBulk bounds CreateMany: one transaction should not hold the writer long.
const maxBulk = 10000

// Create makes an order in WAIT_BUYER_PAY and logs TradeCreate.
func (tc *TradeCentre) Create(ctx context.Context, nt NewTrade) (Version, error) {
	vs, err := tc.CreateMany(ctx, []NewTrade{nt})
	if err != nil {
		return Version{}, err
	}
	return vs[0], nil
}

// CreateMany makes orders in one transaction: all or none.
func (tc *TradeCentre) CreateMany(ctx context.Context, nts []NewTrade) ([]Version, error) {
	if len(nts) == 0 || len(nts) > maxBulk {
		return nil, fmt.Errorf("%w: create 1 to %d trades at a time, not %d", ErrInvalidInput, maxBulk, len(nts))
	}
	for i := range nts {
		if err := nts[i].validate(); err != nil {
			return nil, fmt.Errorf("trade %d of %d: %w", i+1, len(nts), err)
		}
	}
	out := make([]Version, 0, len(nts))
	err := tc.store.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		for i := range nts {
			v, err := tc.createInTx(ctx, tx, &nts[i])
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return tc.beforeCommit()
	})
	if err != nil {
		return nil, err
	}
	tc.published(out)
	return out, nil
}

func (tc *TradeCentre) createInTx(ctx context.Context, tx *sql.Tx, nt *NewTrade) (Version, error) {
	tid := nt.Tid
	if tid == 0 {
		var err error
		if tid, err = tc.store.allocateIDs(ctx, tx, "tid", 1); err != nil {
			return Version{}, err
		}
	} else {
		exists, err := tc.store.tradeExists(ctx, tx, tid)
		if err != nil {
			return Version{}, fmt.Errorf("check trade %d: %w", tid, err)
		}
		if exists {
			return Version{}, fmt.Errorf("trade %d: %w", tid, ErrTradeExists)
		}
		if err := tc.store.reserveTid(ctx, tx, tid); err != nil {
			return Version{}, fmt.Errorf("reserve tid %d: %w", tid, err)
		}
	}
	firstOid, err := tc.store.allocateIDs(ctx, tx, "oid", int64(max(len(nt.Orders), 1)))
	if err != nil {
		return Version{}, err
	}
	now := tc.clock.Now()
	t := nt.build(tid, firstOid, nextModified(0, now))
	doc, err := json.Marshal(&t)
	if err != nil {
		return Version{}, fmt.Errorf("encode trade %d: %w", tid, err)
	}
	if err := tc.store.insertTrade(ctx, tx, &t, doc); err != nil {
		return Version{}, err
	}
	changes, err := tc.logChanges(ctx, tx, &t, []emitted{{TopicTradeCreate, t.Orders.Order[0].Oid}}, now)
	if err != nil {
		return Version{}, err
	}
	return Version{Trade: t, Doc: doc, Hash: HashDoc(doc), Changes: changes}, nil
}

// Apply moves an order through its lifecycle by ev. An event the order's
// status does not allow fails with a *TransitionError (ErrInvalidTransition)
// and changes nothing; every applied event bumps modified by the modified
// rule (see nextModified) and logs its topics in the same transaction.
func (tc *TradeCentre) Apply(ctx context.Context, tid int64, ev Event) (Version, error) {
	var v Version
	err := tc.store.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		v, err = tc.applyInTx(ctx, tx, tid, ev)
		return err
	})
	if err != nil {
		return Version{}, err
	}
	tc.published([]Version{v})
	return v, nil
}

func (tc *TradeCentre) applyInTx(ctx context.Context, tx *sql.Tx, tid int64, ev Event) (Version, error) {
	doc, err := tc.store.loadTrade(ctx, tx, tid)
	if err != nil {
		return Version{}, err
	}
	var t Trade
	if err := json.Unmarshal(doc, &t); err != nil {
		return Version{}, fmt.Errorf("decode trade %d: %w", tid, err)
	}
	now := tc.clock.Now()
	at := nextModified(t.Modified, now)
	var allocErr error
	emits, err := applyEvent(&t, ev, at, func() int64 {
		id, err := tc.store.allocateIDs(ctx, tx, "refund", 1)
		allocErr = err
		return id
	})
	if allocErr != nil {
		return Version{}, allocErr
	}
	if err != nil {
		return Version{}, err
	}
	t.Modified = at
	if doc, err = json.Marshal(&t); err != nil {
		return Version{}, fmt.Errorf("encode trade %d: %w", tid, err)
	}
	if err := tc.store.updateTrade(ctx, tx, &t, doc); err != nil {
		return Version{}, err
	}
	changes, err := tc.logChanges(ctx, tx, &t, emits, now)
	if err != nil {
		return Version{}, err
	}
	return Version{Trade: t, Doc: doc, Hash: HashDoc(doc), Changes: changes}, tc.beforeCommit()
}

// logChanges appends the entries of one order write.
func (tc *TradeCentre) logChanges(ctx context.Context, tx *sql.Tx, t *Trade, emits []emitted, now time.Time) ([]Change, error) {
	out := make([]Change, 0, len(emits))
	for _, e := range emits {
		c := Change{
			Topic: e.topic,
			Content: ChangeContent{
				Tid: t.Tid, Oid: e.oid, SellerNick: t.SellerNick, BuyerNick: t.BuyerNick,
				Payment: t.Payment, Type: t.Type, Status: t.Status,
			},
			Modified: t.Modified,
			TimeMs:   now.UnixMilli(),
		}
		seq, err := tc.store.appendChangeEntry(ctx, tx, &c)
		if err != nil {
			return nil, err
		}
		c.Seq = seq
		out = append(out, c)
	}
	return out, nil
}

func (tc *TradeCentre) beforeCommit() error {
	if tc.failInTx != nil {
		return tc.failInTx()
	}
	return nil
}

// published wakes log readers and counts the committed changes.
func (tc *TradeCentre) published(vs []Version) {
	var last int64
	for _, v := range vs {
		for _, c := range v.Changes {
			tc.metrics.changes.WithLabelValues(c.Topic).Inc()
			last = max(last, c.Seq)
		}
	}
	tc.notify.publish(last)
	tc.metrics.lastSeq.Set(float64(tc.LastSeq()))
}

// Get returns an order's current version.
func (tc *TradeCentre) Get(ctx context.Context, tid int64) (Version, error) {
	var v Version
	err := tc.store.withDoc(ctx, tid, func(_, doc []byte) error {
		v.Doc = append(json.RawMessage(nil), doc...)
		return json.Unmarshal(v.Doc, &v.Trade)
	})
	if err != nil {
		return Version{}, err
	}
	v.Hash = HashDoc(v.Doc)
	return v, nil
}

// validate checks a NewTrade and fills its defaults.
func (nt *NewTrade) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, args...)...)
	}
	switch {
	case nt.Tid < 0:
		return bad("tid must not be negative")
	case !validNick(nt.SellerNick):
		return bad("seller_nick must be 1 to %d bytes of UTF-8", maxNickBytes)
	case !validNick(nt.BuyerNick):
		return bad("buyer_nick must be 1 to %d bytes of UTF-8", maxNickBytes)
	case len(nt.Type) > 32 || len(nt.BuyerMessage) > maxTextBytes:
		return bad("type or buyer_message too long")
	case nt.PostFee < 0 || nt.PostFee > maxMoney:
		return bad("post_fee out of range")
	case len(nt.Orders) > maxSubOrders:
		return bad("at most %d sub-orders", maxSubOrders)
	}
	if nt.Receiver != nil {
		if err := nt.Receiver.validate(); err != nil {
			return err
		}
	}
	for i, o := range nt.Orders {
		switch {
		case o.Title == "" || len(o.Title) > maxTextBytes || !utf8.ValidString(o.Title):
			return bad("sub-order %d: title must be 1 to %d bytes of UTF-8", i+1, maxTextBytes)
		case o.Num < 1 || o.Num > maxItemNum:
			return bad("sub-order %d: num must be 1 to %d", i+1, maxItemNum)
		case o.Price < 0 || o.Price > maxMoney || int64(o.Price)*int64(o.Num) > int64(maxMoney):
			return bad("sub-order %d: price out of range", i+1)
		case o.NumIid < 0:
			return bad("sub-order %d: num_iid must not be negative", i+1)
		}
	}
	return nil
}

func validNick(s string) bool { return s != "" && len(s) <= maxNickBytes && utf8.ValidString(s) }

// build makes the first version of the order.
func (nt *NewTrade) build(tid, firstOid int64, at Timestamp) Trade {
	lines := nt.Orders
	if len(lines) == 0 {
		lines = []NewOrder{{Title: "toplab item", Price: 1000, Num: 1}}
	}
	t := Trade{
		Tid: tid, Status: StatusWaitBuyerPay, Type: nt.Type, SellerNick: nt.SellerNick, BuyerNick: nt.BuyerNick,
		Title: lines[0].Title, NumIid: lines[0].NumIid, Price: lines[0].Price, PostFee: nt.PostFee,
		ShippingType: "express", Created: at, Modified: at, BuyerMessage: nt.BuyerMessage,
	}
	if t.Type == "" {
		t.Type = "fixed"
	}
	if nt.Receiver != nil {
		t.Receiver = *nt.Receiver
	} else {
		t.Receiver = Receiver{
			ReceiverName: nt.BuyerNick, ReceiverState: "浙江省", ReceiverCity: "杭州市", ReceiverDistrict: "余杭区",
			ReceiverAddress: "文一西路969号", ReceiverZip: "311121", ReceiverMobile: "13800000000",
		}
	}
	t.Orders.Order = make([]Order, len(lines))
	for i, l := range lines {
		fee := Money(int64(l.Price) * int64(l.Num))
		t.Orders.Order[i] = Order{
			Oid: firstOid + int64(i), Status: StatusWaitBuyerPay, NumIid: l.NumIid, Title: l.Title,
			Price: l.Price, Num: l.Num, TotalFee: fee, Payment: fee, RefundStatus: RefundNone,
		}
		t.Num += l.Num
		t.TotalFee += fee
	}
	t.Payment = t.TotalFee + t.PostFee
	return t
}
