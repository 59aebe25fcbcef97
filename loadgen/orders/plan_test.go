package orders

import (
	"math"
	"slices"
	"testing"

	"github.com/toplab/toplab/system/backend"
)

func planCfg() Config {
	return Config{URL: "http://127.0.0.1:1", Sellers: sellers(50), Open: 50}
}

func TestPlanIsDeterministic(t *testing.T) {
	cfg := planCfg()
	a, err := Plan(cfg, 5000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Plan(cfg, 5000)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed planned different actions")
	}
	cfg.Seed = 2
	c, _ := Plan(cfg, 5000)
	if slices.Equal(a, c) {
		t.Fatal("another seed planned the same actions")
	}
	// A plan's prefix does not depend on how far it is planned.
	short, _ := Plan(planCfg(), 100)
	if !slices.Equal(short, a[:100]) {
		t.Fatal("a shorter plan is not a prefix of the longer one")
	}
}

// Over many actions the mix matches the configured probabilities. Orders
// still in progress at the end (about Open of them) barely move the ratios.
func TestPlanMix(t *testing.T) {
	cfg := planCfg()
	const n = 200_000
	acts, err := Plan(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	k := kinds(acts)
	ratio := func(a, b string) float64 { return float64(k[a]) / float64(k[b]) }
	m := DefaultMix
	// Expected ratios from the mix; tolerances are several binomial standard errors.
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"closed instead of paid", float64(k["close"]) / float64(k["close"]+k["pay"]), m.Close, 0.01},
		{"fee changes per order", ratio("modify_fee", KindCreate), m.ModifyFee, 0.01},
		{"address changes per order", ratio("address_change", KindCreate), m.AddressChange, 0.01},
		{"memos per order", ratio("memo", KindCreate), m.Memo, 0.015},
		{"refunds per paid order", ratio("refund_create", "pay"), m.Refund, 0.01},
		{"refunds that succeed", float64(k["refund_success"]) / float64(k["refund_success"]+k["refund_close"]), m.RefundSuccess, 0.03},
		// Partial shipments need two unshipped lines: multi-line orders, minus
		// those a refund before shipment left with one (a small correction).
		{"partial shipments per shipment", ratio("partly_ship", "ship"), m.MultiLine * m.PartlyShip, 0.015},
		// A confirmed order is rated; a refund after it finished can close it first (rarely).
		{"ratings per confirmed order", ratio("rate", "confirm"), m.Rate + m.SellerRate, 0.03},
		{"confirmed per shipped", ratio("confirm", "ship"), 1, 0.03},
	}
	for _, tc := range tests {
		if math.Abs(tc.got-tc.want) > tc.tol {
			t.Errorf("%s: %.4f, want %.4f ± %.3f", tc.name, tc.got, tc.want, tc.tol)
		}
	}
	if k["ship"] >= k["pay"] || k["pay"] >= k[KindCreate] {
		t.Errorf("creates %d, pays %d, ships %d: not a funnel", k[KindCreate], k["pay"], k["ship"])
	}
	t.Logf("%d actions: %v", n, k)
}

// The orders in progress settle around Open.
func TestPlanKeepsOpenOrdersNearOpen(t *testing.T) {
	for _, open := range []int{10, 200} {
		cfg := planCfg()
		cfg.Open = open
		cfg, _ = cfg.withDefaults()
		p := newPlanner(cfg)
		var sum float64
		const n, warm = 100_000, 20_000
		for i := range n {
			p.next()
			if i >= warm {
				sum += float64(len(p.open))
			}
		}
		if mean := sum / (n - warm); mean < 0.7*float64(open) || mean > 1.3*float64(open) {
			t.Errorf("Open %d: %.1f orders in progress on average", open, mean)
		}
	}
}

// Hot sellers take their share of new orders; the rest are Zipf-skewed.
func TestPlanSellerSkew(t *testing.T) {
	cfg := planCfg()
	cfg.HotSellers, cfg.HotShare = 3, 0.4
	acts, err := Plan(cfg, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	creates := 0
	for _, a := range acts {
		if a.Kind == KindCreate {
			per[a.Seller]++
			creates++
		}
	}
	hot := per[cfg.Sellers[0]] + per[cfg.Sellers[1]] + per[cfg.Sellers[2]]
	if share := float64(hot) / float64(creates); math.Abs(share-0.4) > 0.02 {
		t.Errorf("hot sellers took %.3f of new orders, want 0.4", share)
	}
	if a, b := per[cfg.Sellers[3]], per[cfg.Sellers[49]]; a < 5*b {
		t.Errorf("the busiest cold seller has %d orders, the quietest %d: not skewed", a, b)
	}
	for s := range per {
		if !slices.Contains(cfg.Sellers, s) {
			t.Fatalf("order for unknown seller %q", s)
		}
	}
}

// Every planned order is one the trade centre accepts (NewTrade's rules).
func TestPlannedOrdersAreValid(t *testing.T) {
	cfg, _ := planCfg().withDefaults()
	p := newPlanner(cfg)
	for range 2000 {
		o, st := p.next()
		if st.kind != KindCreate {
			continue
		}
		nt := o.create
		if nt.SellerNick == "" || nt.BuyerNick == "" || len(nt.Orders) < 1 || len(nt.Orders) > 3 || nt.PostFee < 0 {
			t.Fatalf("bad order %+v", nt)
		}
		for _, l := range nt.Orders {
			if l.Title == "" || l.Num < 1 || l.Price <= 0 {
				t.Fatalf("bad line %+v", l)
			}
		}
		for _, s := range o.script {
			if s.kind == string(backend.EventModifyFee) && (s.ev.Payment == nil || *s.ev.Payment < 0) {
				t.Fatalf("bad fee change %+v", s.ev)
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ok := planCfg()
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no url", func(c *Config) { c.URL = "" }},
		{"not http", func(c *Config) { c.URL = "ftp://x" }},
		{"no sellers", func(c *Config) { c.Sellers = nil }},
		{"empty nick", func(c *Config) { c.Sellers = []string{""} }},
		{"long nick", func(c *Config) { c.Sellers = []string{string(make([]byte, 65))} }},
		{"too many hot", func(c *Config) { c.HotSellers = 51 }},
		{"hot share above 1", func(c *Config) { c.HotSellers, c.HotShare = 1, 1.5 }},
		{"zipf 1", func(c *Config) { c.Zipf = 1 }},
		{"negative open", func(c *Config) { c.Open = -1 }},
		{"mix above 1", func(c *Config) { c.Mix = Mix{Close: 2} }},
		{"mix negative", func(c *Config) { c.Mix = Mix{Refund: -0.1} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if _, err := New(c); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
}
