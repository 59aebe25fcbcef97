// Package scenarios loads and validates the lab's scenario files: the
// environment to bring up, the load to drive through it phase by phase, the
// SLOs that judge the run and the chaos schedule. The bundled scenarios
// (double11.yaml, smoke.yaml) are embedded: [Bundled] and [Open] find them
// from any folder. The runner (cmd/toplab) turns a [Scenario] into a testenv
// Spec, pacers (one loadgen/pacer.Sequence per stream, built from [Scenario.Pieces])
// and verdicts; this package knows none of those packages.
//
// # Schema
//
//	name: double11                 # required, [a-z0-9-]
//	description: free text
//	seed: 11                       # required, non-negative integer: every generator's RNG
//	max_duration: 8m               # optional bound on the phases plus settle
//	settle: 30s                    # after the load, before the zero-loss checks (default 30s)
//	env:
//	  store: sqlite                # sqlite (default, embedded) | mariadb (containers)
//	  coord: sqlite                # sqlite (default) | redis
//	  nodes:                       # role -> instances; roles: backend, push, sync, gateway
//	    push: {count: 2, flags: {gogc: "400"}}   # count 1..64 (default 1); flags without the dash
//	knobs:                         # "<role>.<flag>": value, for every instance of the role
//	  sync.write-mode: conditional
//	calibration: {duration: 10s, cache: true}    # per stream; results cached per machine
//	scale: 0.7                     # (0,1]: peak = scale x calibrated capacity
//	streams:                       # declared streams run; settings that do not vary by phase
//	  api:                         # ISV API calls through the gateway
//	    peak: 200/s                # absolute (N/s, N/m, N/h) or a fraction of capacity; absent: scale
//	    mix: {taobao.trade.fullinfo.get: 5, taobao.trades.sold.get: 2}   # method -> weight, required
//	    bad_fraction: 0.01         # bad requests whose error codes are checked
//	    batch_fraction: 0.1        # calls sent through /router/batch
//	    batch_size: 20             # 1..gateway max-batch-items (default 20)
//	    apps: 100                  # default 100
//	    sessions_per_app: 10       # default 10
//	    zipf: 1.1                  # app popularity exponent > 1 (default 1.1)
//	  orders:                      # the order lifecycle generator
//	    peak: 0.5
//	    sellers: 200               # default 100
//	    hot_sellers: 10            # taking hot_share of the orders
//	    hot_share: 0.4
//	    zipf: 1.2                  # default 1.1
//	    concurrency: 64            # default 32
//	    actions: {close: 0.05, refund: 0.02, modify_fee: 0.02, memo: 0.05, address_change: 0.01, rate: 0.3, partly_ship: 0.05}
//	  push:                        # TMC clients, connected for the whole run
//	    apps: 20                   # default 10
//	    clients: 1000              # >= apps (default 100)
//	    behaviours: {prompt: 0.9, slow: 0.05, never: 0.02, disconnect: 0.03}   # sum 1 (default prompt: 1)
//	    slow_delay: 5s             # default 5s
//	    peak: 100/s                # only when a phase gives push a shape
//	phases:                        # in order, without gaps
//	  - name: warmup               # unique, [a-z0-9_-]
//	    duration: 30s
//	    warmup: true               # excluded from statistics; warm-up phases come first
//	    streams:                   # a stream absent from a phase sends nothing in it
//	      api:    {shape: {kind: constant, rate: 0.05}}
//	      orders: {shape: {kind: constant, rate: 0.05}}
//	      push:   {clients: 2000, behaviours: {...}, shape: {...}}   # each optional: overrides for the phase
//	slo:                           # each required when its subject runs, refused when not
//	  api_p99: {default: 50ms, classes: {trade: 80ms}}   # classes: trade, item, user, tmc, batch
//	  api_error_rate: 0.001        # [0,1], intended bad requests excluded
//	  push_e2e_p99: 500ms          # order change -> client receipt (push stream)
//	  sync_freshness_p99: 3s       # order change -> seller DB (sync nodes)
//	  lost_messages: 0             # most allowed (default 0), always judged
//	  order_differences: 0         # most allowed (default 0), always judged
//	faults:                        # the chaos schedule (run by the chaos wave)
//	  - {at: 3m, action: kill, node: sync-1, for: 15s}   # kill | stop | start | restart; for: kill/stop only
//
// Shapes give rates as fractions of the stream's peak, in [0, 1], and times
// as offsets from the start of the phase the shape begins in:
//
//	{kind: constant, rate: R}
//	{kind: linear, from: A, to: B}                        # over the shape's length
//	{kind: step, start: A, by: S, every: D, steps: N, max: M}   # S may be negative; N 0: no limit; M default 1
//	{kind: spike, base: A, peak: B, at: T, rise: D, width: D, fall: D}
//	{kind: double11, baseline: A, presale: {start: T, duration: D, height: H},
//	  midnight: T, ramp: D, peak: P, hold: D, decay: {exponent: E, scale: D}, tail: {rate: R, duration: D}}
//	{kind: replay, file: rates.csv, interpolate: hold|linear, peak: P}   # file relative to the scenario
//	{kind: continue}                                      # the previous phase's shape runs on
//
// The fields are loadgen/pacer's, one for one (double11's tail is the
// pacer's Tail and TailFor), so the runner converts a shape by multiplying
// its rates by the stream's peak. Every field is required except step's
// steps and max, spike's rise and fall, double11's presale and hold, and
// replay's interpolate (default hold) and peak (the CSV's highest second is
// peak x the stream's peak; default 1). continue lets one shape (a double11
// night) span several phases that only name its stretches for the report; a
// shape must fit the phases it spans (spike: at+rise+width+fall; double11:
// the pre-sale wave before midnight, midnight+ramp+hold+tail.duration within
// it). A linear shape spans its piece; a double11 night shorter than its
// phases sends nothing after it ends.
//
// Durations are Go durations ("90s", "2m", "1m30s"): a bare number is an
// error. Defaults are filled by Parse, so the runner reads actual values;
// a field written with a zero value keeps it (and is then validated).
//
// # Decisions
//
// Warm-up is a flag on leading phases rather than a separate duration: the
// warm-up then has shapes like any phase, and the report marks it like one.
// A stream's peak is a stream setting, not a phase one, so a fraction means
// the same in every phase. Knobs are kept apart from env.nodes flags because
// they are what a run reports and --sweep varies; one flag may not be set in
// both. The runner owns the flags that wire nodes together (addresses, data
// folders, -seed, store DSNs); a scenario setting one is an error.
//
// # Errors
//
// Parse and Load return a *[ValidationError] listing every problem, each as
// file:line:col: field.path: message, e.g.
//
//	double11.yaml:14:7: phases[1].streams.api.shape.kind: unknown shape "sine" (want constant, linear, step, spike, double11, replay, continue)
//
// The file is walked as yaml.v3 nodes by this package's own decoder (not
// yaml's Decode), so unknown fields, duplicate keys, anchors and aliases,
// type errors and failed checks are all reported with their positions in one
// pass. YAML syntax errors come back the same way, with the line yaml.v3
// gives (for an unclosed bracket, the line where the enclosing block starts).
// [Scenario.ApplySweep] re-validates; problems caused by the swept value name
// "--sweep knob=value" instead of a line.
package scenarios
