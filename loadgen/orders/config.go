package orders

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/system/clock"
)

// Defaults of Config's zero values.
const (
	DefaultRate        = 100 // actions per second
	DefaultDuration    = 10 * time.Second
	DefaultConcurrency = 64
	DefaultOpen        = 1000
	DefaultBuyers      = 100_000
	DefaultZipf        = 1.1
	DefaultHotShare    = 0.5
	DefaultTimeout     = 10 * time.Second
	DefaultProgress    = time.Second
)

// maxNickBytes is the trade centre's limit on a nick.
const maxNickBytes = 64

// Config configures a Generator; zero values mean the defaults.
type Config struct {
	// URL is the base URL of a backend node, such as http://127.0.0.1:7001.
	URL string
	// Client sends the requests (default: keep-alive, DefaultTimeout, idle
	// connections for Concurrency).
	Client *http.Client
	// Pacer paces the actions (default DefaultRate per second); Duration
	// (default 10 s) and MaxActions (0: no limit) bound the run. Actions
	// follow the pacer's schedule as the lab's attacks do (loadgen.Schedule).
	Pacer      vegeta.Pacer
	Duration   time.Duration
	MaxActions uint64
	// Sellers are the nicks orders are created for; required. The first
	// HotSellers of them take HotShare of new orders (default 0.5 when
	// HotSellers > 0); the others share the rest Zipf-skewed with exponent
	// Zipf (> 1, default 1.1), the first of them the busiest.
	Sellers    []string
	HotSellers int
	HotShare   float64
	Zipf       float64
	// Buyers is how many buyer nicks (buyer_000001 ...) orders come from
	// (default 100,000).
	Buyers int
	// Open is the number of orders in progress the planner aims for
	// (default 1000): the smaller, the closer together one order's actions.
	Open int
	// Mix gives the probabilities of the optional steps (zero: DefaultMix).
	Mix Mix
	// Seed fixes the action sequence (default 1).
	Seed uint64
	// Concurrency bounds the actions in flight (default 64).
	Concurrency int
	// Progress, if set, receives a report every ProgressEvery (default 1 s)
	// and a final one.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Trace, if set, receives every action's outcome as it completes, from
	// several goroutines at once.
	Trace func(Result)
	// Clock paces the actions and the progress (default the wall clock).
	Clock clock.Clock
}

// Mix is the probabilities of an order's optional steps, each from 0 to 1.
// The zero Mix means DefaultMix; set any field and the Mix is taken as given.
type Mix struct {
	MultiLine     float64 // the order has 2 or 3 sub-orders instead of 1
	Close         float64 // the order is never paid and closes
	ModifyFee     float64 // the seller changes the price before payment
	AddressChange float64 // the buyer changes the address before shipment
	Memo          float64 // the seller edits the memo, at any point
	PartlyShip    float64 // a paid multi-line order ships one line first
	Refund        float64 // a paid order has a refund, before or after shipment or after it finished
	RefundSuccess float64 // the refund succeeds (closing its line) rather than being withdrawn
	Rate          float64 // the buyer rates a finished order
	SellerRate    float64 // the seller rates a finished order
}

// DefaultMix is the lab's order mix. No published figures: it makes every
// path common enough to be exercised in a short run.
var DefaultMix = Mix{
	MultiLine: 0.3, Close: 0.15, ModifyFee: 0.05, AddressChange: 0.05, Memo: 0.2,
	PartlyShip: 0.3, Refund: 0.08, RefundSuccess: 0.7, Rate: 0.5, SellerRate: 0.3,
}

func (m Mix) fields() []struct {
	name string
	p    float64
} {
	return []struct {
		name string
		p    float64
	}{
		{"multi_line", m.MultiLine}, {"close", m.Close}, {"modify_fee", m.ModifyFee},
		{"address_change", m.AddressChange}, {"memo", m.Memo}, {"partly_ship", m.PartlyShip},
		{"refund", m.Refund}, {"refund_success", m.RefundSuccess}, {"rate", m.Rate}, {"seller_rate", m.SellerRate},
	}
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("orders: url %q is not an http(s) base URL", c.URL)
	}
	if len(c.Sellers) == 0 {
		return c, errors.New("orders: no sellers")
	}
	for i, s := range c.Sellers {
		if s == "" || len(s) > maxNickBytes || !utf8.ValidString(s) {
			return c, fmt.Errorf("orders: seller %d: a nick must be 1 to %d bytes of UTF-8", i, maxNickBytes)
		}
	}
	switch {
	case c.HotSellers < 0 || c.HotSellers > len(c.Sellers):
		return c, fmt.Errorf("orders: hot sellers must be from 0 to %d, not %d", len(c.Sellers), c.HotSellers)
	case !prob(c.HotShare):
		return c, fmt.Errorf("orders: hot share must be from 0 to 1, not %v", c.HotShare)
	case c.Zipf != 0 && !(c.Zipf > 1 && !math.IsInf(c.Zipf, 0)):
		return c, fmt.Errorf("orders: zipf exponent must be greater than 1, not %v", c.Zipf)
	case c.Buyers < 0 || c.Open < 0 || c.Concurrency < 0 || c.Duration < 0 || c.ProgressEvery < 0:
		return c, errors.New("orders: buyers, open, concurrency, duration and progress interval must not be negative")
	}
	if c.Mix == (Mix{}) {
		c.Mix = DefaultMix
	}
	for _, f := range c.Mix.fields() {
		if !prob(f.p) {
			return c, fmt.Errorf("orders: mix %s must be from 0 to 1, not %v", f.name, f.p)
		}
	}
	if c.Pacer == nil {
		c.Pacer = vegeta.ConstantPacer{Freq: DefaultRate, Per: time.Second}
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.HotSellers > 0 && c.HotShare == 0 {
		c.HotShare = DefaultHotShare
	}
	if c.Zipf == 0 {
		c.Zipf = DefaultZipf
	}
	if c.Buyers == 0 {
		c.Buyers = DefaultBuyers
	}
	if c.Open == 0 {
		c.Open = DefaultOpen
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = DefaultProgress
	}
	c.Clock = clock.Or(c.Clock)
	return c, nil
}

func prob(p float64) bool { return p >= 0 && p <= 1 }
