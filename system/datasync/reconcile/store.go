package reconcile

import (
	"context"
	"time"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// Store is the seller database as the reconciler sees it.
type Store interface {
	// Versions returns the rows of seller with modified in [from, to], both inclusive.
	Versions(ctx context.Context, seller string, from, to time.Time) ([]sellerdb.Version, error)
	// Repair writes docs whatever the writer's skip cache says, never moving
	// a row back in time; an equal-modified doc replaces a row whose hash differs.
	Repair(ctx context.Context, docs []sellerdb.Doc) (sellerdb.WriteResult, error)
}

var _ Store = (*sellerdb.DB)(nil)

// Owner tells which tasks this worker owns (*assign.Assigner is one). An
// Owner that also has Changed() <-chan struct{} wakes Run when its
// assignment changes, so a taken-over seller is reconciled at once.
type Owner interface {
	Owns(task uint64) bool
}

type changeNotifier interface {
	Changed() <-chan struct{}
}

// SellerLister lists the sellers to reconcile (the worker's Directory is one).
type SellerLister interface {
	Sellers(ctx context.Context) ([]string, error)
}

// StaticSellers is a fixed seller list.
type StaticSellers []string

func (s StaticSellers) Sellers(context.Context) ([]string, error) { return s, nil }
