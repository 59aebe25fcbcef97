package datasync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
)

// Directory knows the sellers a logical cluster syncs and the session that
// authorises the sync app for each.
type Directory interface {
	// Session returns seller's session; ok is false for a seller this
	// cluster does not sync (unknown, not authorised, or in another cluster).
	Session(ctx context.Context, seller string) (session string, ok bool, err error)
	// Sellers lists the cluster's sellers, sorted: the reconciliation tasks.
	Sellers(ctx context.Context) ([]string, error)
}

// MetaDirectory reads the directory from the metadata store: the app's
// sessions (one per authorised seller) and its subscription's groups (a
// logical cluster is a message group; "default" holds every seller not in
// another group). It reloads every Refresh, and sooner (at most once per
// MinReload) when asked about a seller it does not know, so a newly
// authorised seller is picked up by its first message.
type MetaDirectory struct {
	Store     meta.Store
	AppKey    string
	Cluster   string        // default meta.DefaultGroup
	Refresh   time.Duration // default 1 min
	MinReload time.Duration // default 1 s
	Clock     clock.Clock

	mu       sync.Mutex
	loaded   time.Time
	sessions map[string]string
	sellers  []string
}

var _ Directory = (*MetaDirectory)(nil)

func (d *MetaDirectory) Session(ctx context.Context, seller string) (string, bool, error) {
	if err := d.load(ctx, false); err != nil {
		return "", false, err
	}
	d.mu.Lock()
	s, ok := d.sessions[seller]
	d.mu.Unlock()
	if ok {
		return s, true, nil
	}
	if err := d.load(ctx, true); err != nil {
		return "", false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok = d.sessions[seller]
	return s, ok, nil
}

func (d *MetaDirectory) Sellers(ctx context.Context) ([]string, error) {
	if err := d.load(ctx, false); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.sellers), nil
}

// load reloads when the directory is older than Refresh, or (eager) older
// than MinReload.
func (d *MetaDirectory) load(ctx context.Context, eager bool) error {
	clk := clock.Or(d.Clock)
	refresh, minReload := positiveOr(d.Refresh, time.Minute), positiveOr(d.MinReload, time.Second)
	d.mu.Lock()
	age := clk.Since(d.loaded)
	fresh := d.sessions != nil && (age < refresh && (!eager || age < minReload))
	d.mu.Unlock()
	if fresh {
		return nil
	}
	cluster := d.Cluster
	if cluster == "" {
		cluster = meta.DefaultGroup
	}
	sub, err := meta.Get[meta.Subscription](ctx, d.Store, d.AppKey)
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("datasync: read the subscription of %s: %w", d.AppKey, err)
	}
	if !sub.HasGroup(cluster) {
		return fmt.Errorf("datasync: app %s has no message group %q", d.AppKey, cluster)
	}
	now := clk.Now()
	sessions := map[string]string{}
	err = meta.Each(ctx, d.Store, func(s meta.Session) error {
		if s.AppKey == d.AppKey && s.UserNick != "" && now.Before(s.Expires) && sub.GroupOf(s.UserNick) == cluster {
			sessions[s.UserNick] = s.Key
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("datasync: read the sessions of %s: %w", d.AppKey, err)
	}
	sellers := make([]string, 0, len(sessions))
	for n := range sessions {
		sellers = append(sellers, n)
	}
	slices.Sort(sellers)
	d.mu.Lock()
	d.sessions, d.sellers, d.loaded = sessions, sellers, now
	d.mu.Unlock()
	return nil
}

// positiveOr is v, or def when v is not positive (a zero config field).
func positiveOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
