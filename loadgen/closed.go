package loadgen

import (
	"context"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Closed runs a closed-model attack: o.Concurrency workers, each sending its
// next hit from tr as soon as the previous one completes, until o.Duration or
// o.MaxHits; at most o.Concurrency hits are ever in flight. It is the model of
// wrk and of the generator's capacity benchmark. Latencies are not corrected:
// there is no schedule a hit could be late against, since the generator
// slows down with the server by design (see the package doc), so
// Summary.Corrected equals Summary.Raw and the series is indexed by send time.
// Cancellation behaves as in Attack.
func Closed(ctx context.Context, tr vegeta.Targeter, o Options) (*Summary, error) {
	o = o.withDefaults()
	// vegeta's "infinite rate" pacer: the gate releases a hit whenever a
	// worker is free, and vegeta never starts more than Concurrency workers.
	o.Pacer = vegeta.ConstantPacer{}
	return run(ctx, tr, o, nil)
}
