package scenarios

import (
	"io/fs"
	"time"
)

// Scenario is one parsed, validated scenario file. Parse fills the documented
// defaults, so the runner reads actual values; doc.go has the YAML schema.
type Scenario struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	Seed        uint64 `yaml:"seed" json:"seed"`
	Env         Env    `yaml:"env" json:"env"`
	// Tuning holds the knobs section: "<role>.<flag>" -> value, flags given to
	// every instance of the role, kept apart from env.nodes.*.flags because
	// these are the values a run reports and a --sweep varies. Knobs() merges
	// everything a sweep can address.
	Tuning      map[string]string `yaml:"knobs" json:"knobs,omitempty"`
	Calibration Calibration       `yaml:"calibration" json:"calibration"`
	// Scale sets a stream's peak to Scale x its calibrated capacity, unless
	// the stream gives its own peak; in (0, 1].
	Scale float64 `yaml:"scale" json:"scale,omitempty"`
	// MaxDuration, when set, bounds TotalDuration()+Settle (double11: 8m).
	MaxDuration time.Duration `yaml:"max_duration" json:"max_duration,omitempty"`
	// Settle is the time after the last phase for deliveries and sync to
	// catch up before the zero-loss checks (default 30 s; 0s allowed).
	Settle  time.Duration `yaml:"settle" json:"settle"`
	Phases  []Phase       `yaml:"phases" json:"phases"`
	Streams Streams       `yaml:"streams" json:"streams"`
	SLO     SLO           `yaml:"slo" json:"slo"`
	// Faults is the chaos schedule, validated now and run by the chaos wave.
	Faults []Fault `yaml:"faults" json:"faults"`

	file   string         // as given to Parse, for messages
	fsys   fs.FS          // where files the scenario names (replay CSVs) live
	dir    string         // the scenario file's folder within fsys
	vals   map[string]pos // where each path was written
	keys   map[string]pos
	swept  map[string]string // path -> "--sweep knob=value" that set it
	sweeps []string          // knob=value applied, in order
}

// Env is the environment: stores and the nodes of the reference system.
type Env struct {
	Store string `yaml:"store" json:"store"` // sqlite (default) | mariadb
	Coord string `yaml:"coord" json:"coord"` // sqlite (default) | redis
	// Nodes maps a role (gateway, backend, push, sync) to its instances;
	// instances are named as testenv names them: role (count 1) or role-1..role-N.
	Nodes map[string]Node `yaml:"nodes" json:"nodes"`
}

// Stores and coordination backends.
const (
	StoreSQLite  = "sqlite"
	StoreMariaDB = "mariadb"
	CoordSQLite  = "sqlite"
	CoordRedis   = "redis"
)

// Roles of the reference system's nodes (`toplab serve <role>`), in start order.
const (
	RoleBackend = "backend"
	RolePush    = "push"
	RoleSync    = "sync"
	RoleGateway = "gateway"
)

// Roles lists the roles in start order: a role's dependencies come first.
var Roles = []string{RoleBackend, RolePush, RoleSync, RoleGateway}

// Node is one role's instances and their command-line flags (without the
// leading dash; values as strings, e.g. gogc: "400").
type Node struct {
	Count int               `yaml:"count" json:"count"` // 1..64, default 1
	Flags map[string]string `yaml:"flags" json:"flags,omitempty"`
}

// Calibration measures each stream's capacity before the run, for streams
// whose peak is not absolute; results are cached per machine.
type Calibration struct {
	Duration time.Duration `yaml:"duration" json:"duration"` // per stream, default 10 s
	Cache    bool          `yaml:"cache" json:"cache"`       // default true
}

// Phase is a stretch of the run. Warm-up phases come first and are excluded
// from statistics; a stream absent from a phase sends nothing during it.
type Phase struct {
	Name     string        `yaml:"name" json:"name"`
	Duration time.Duration `yaml:"duration" json:"duration"`
	Warmup   bool          `yaml:"warmup" json:"warmup,omitempty"`
	Streams  PhaseStreams  `yaml:"streams" json:"streams"`
}

// PhaseStreams gives each stream's load during a phase.
type PhaseStreams struct {
	API    *PhaseLoad `yaml:"api" json:"api,omitempty"`
	Orders *PhaseLoad `yaml:"orders" json:"orders,omitempty"`
	Push   *PushLoad  `yaml:"push" json:"push,omitempty"`
}

// PhaseLoad is a request stream's shape during a phase.
type PhaseLoad struct {
	Shape Shape `yaml:"shape" json:"shape"`
}

// PushLoad changes the push clients during a phase; Clients and Behaviours
// override the stream's for the phase. Shape, when set, paces messages
// published directly (taobao.tmc.message.produce) on top of those the
// orders stream causes, and then the push stream needs a peak.
type PushLoad struct {
	Shape      *Shape      `yaml:"shape" json:"shape,omitempty"`
	Clients    int         `yaml:"clients" json:"clients,omitempty"`
	Behaviours *Behaviours `yaml:"behaviours" json:"behaviours,omitempty"`
}

// Stream names.
const (
	StreamAPI    = "api"
	StreamOrders = "orders"
	StreamPush   = "push"
)

// StreamNames lists the streams.
var StreamNames = []string{StreamAPI, StreamOrders, StreamPush}

// Streams holds the settings of each stream that do not vary by phase; a
// stream runs only when it is declared here.
type Streams struct {
	API    *APIStream    `yaml:"api" json:"api,omitempty"`
	Orders *OrdersStream `yaml:"orders" json:"orders,omitempty"`
	Push   *PushStream   `yaml:"push" json:"push,omitempty"`
}

// APIStream is ISV API traffic through the gateway (loadgen/toptarget).
type APIStream struct {
	Peak           Rate               `yaml:"peak" json:"peak"`
	Mix            map[string]float64 `yaml:"mix" json:"mix"`                       // method -> weight
	BadFraction    float64            `yaml:"bad_fraction" json:"bad_fraction"`     // wrong sign, stale timestamp, unknown method
	BatchFraction  float64            `yaml:"batch_fraction" json:"batch_fraction"` // of calls sent in /router/batch
	BatchSize      int                `yaml:"batch_size" json:"batch_size"`         // calls per batch, default 20 (public SDKs merge up to 20)
	Apps           int                `yaml:"apps" json:"apps"`                     // default 100
	SessionsPerApp int                `yaml:"sessions_per_app" json:"sessions_per_app"`
	Zipf           float64            `yaml:"zipf" json:"zipf"` // app popularity exponent s > 1, default 1.1
}

// OrdersStream is the order lifecycle generator driving the trade centre
// (loadgen/orders); every order change becomes a push message and a sync.
type OrdersStream struct {
	Peak        Rate         `yaml:"peak" json:"peak"`
	Sellers     int          `yaml:"sellers" json:"sellers"`         // default 100
	HotSellers  int          `yaml:"hot_sellers" json:"hot_sellers"` // of Sellers, taking HotShare of orders
	HotShare    float64      `yaml:"hot_share" json:"hot_share"`
	Zipf        float64      `yaml:"zipf" json:"zipf"`               // seller popularity exponent s > 1, default 1.1
	Concurrency int          `yaml:"concurrency" json:"concurrency"` // actions in flight, default 32
	Actions     OrderActions `yaml:"actions" json:"actions"`
}

// OrderActions are probabilities, per order, of the side paths of the
// create -> pay -> ship -> finish lifecycle; each in [0, 1].
type OrderActions struct {
	Close         float64 `yaml:"close" json:"close"` // unpaid orders closed
	Refund        float64 `yaml:"refund" json:"refund"`
	ModifyFee     float64 `yaml:"modify_fee" json:"modify_fee"`
	Memo          float64 `yaml:"memo" json:"memo"`
	AddressChange float64 `yaml:"address_change" json:"address_change"`
	Rate          float64 `yaml:"rate" json:"rate"`
	PartlyShip    float64 `yaml:"partly_ship" json:"partly_ship"`
}

// PushStream is the swarm of ISV clients holding TMC connections; they stay
// connected for the whole run (phases may change their number and behaviour).
type PushStream struct {
	Peak       Rate          `yaml:"peak" json:"peak,omitempty"` // only for phases with a push shape
	Apps       int           `yaml:"apps" json:"apps"`           // subscribed ISV apps, default 10
	Clients    int           `yaml:"clients" json:"clients"`     // connections over all apps, default 100
	Behaviours Behaviours    `yaml:"behaviours" json:"behaviours"`
	SlowDelay  time.Duration `yaml:"slow_delay" json:"slow_delay"` // a slow client's confirm delay, default 5 s
}

// Behaviours splits push clients by how they confirm; the fractions sum to 1.
type Behaviours struct {
	Prompt     float64 `yaml:"prompt" json:"prompt"`         // confirm at once
	Slow       float64 `yaml:"slow" json:"slow"`             // confirm after SlowDelay
	Never      float64 `yaml:"never" json:"never"`           // never confirm (resends, then pull)
	Disconnect float64 `yaml:"disconnect" json:"disconnect"` // drop the connection now and then, reconnect
}

// SLO is the pass/fail judgement of a run, on statistics after warm-up.
type SLO struct {
	APIP99       APILatency    `yaml:"api_p99" json:"api_p99"`
	APIErrorRate float64       `yaml:"api_error_rate" json:"api_error_rate"`                   // errors / requests, intended bad requests excluded
	PushE2EP99   time.Duration `yaml:"push_e2e_p99" json:"push_e2e_p99,omitempty"`             // order change -> client receipt
	SyncFreshP99 time.Duration `yaml:"sync_freshness_p99" json:"sync_freshness_p99,omitempty"` // order change -> seller DB row
	// LostMessages and OrderDifferences are the most allowed (zero-loss: 0,
	// the default; they are always judged).
	LostMessages     int `yaml:"lost_messages" json:"lost_messages"`
	OrderDifferences int `yaml:"order_differences" json:"order_differences"`
}

// APILatency is the p99 bound per API class; a class not listed gets Default.
type APILatency struct {
	Default time.Duration            `yaml:"default" json:"default"`
	Classes map[string]time.Duration `yaml:"classes" json:"classes,omitempty"`
}

// API classes: the backend an API routes to (system/meta), plus batch calls.
var APIClasses = []string{"trade", "item", "user", "tmc", "batch"}

// For returns the p99 bound of an API class.
func (a APILatency) For(class string) time.Duration {
	if d, ok := a.Classes[class]; ok {
		return d
	}
	return a.Default
}

// Fault is one step of the chaos schedule: at At into the run, Action on the
// instance Node (e.g. sync-1); For, with kill or stop, starts it again after.
type Fault struct {
	At     time.Duration `yaml:"at" json:"at"`
	Action string        `yaml:"action" json:"action"`
	Node   string        `yaml:"node" json:"node"`
	For    time.Duration `yaml:"for" json:"for,omitempty"`
}

// Fault actions, as the testenv supervisor's Node offers them.
const (
	ActionKill    = "kill"    // SIGKILL
	ActionStop    = "stop"    // SIGTERM, drain, then SIGKILL
	ActionStart   = "start"   // a stopped or killed node
	ActionRestart = "restart" // stop then start
)

// FaultActions lists the actions.
var FaultActions = []string{ActionKill, ActionStop, ActionStart, ActionRestart}
