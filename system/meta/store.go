package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one stored object.
type Record struct {
	Kind    Kind
	ID      string
	Body    []byte // the object as JSON
	Version int64  // bumped on every write
	Updated time.Time
}

// Store keeps metadata records.
type Store interface {
	Get(ctx context.Context, kind Kind, id string) (Record, error)
	// Put writes one record and returns its new version.
	Put(ctx context.Context, kind Kind, id string, body []byte) (int64, error)
	// PutMany writes records in bulk (seeding load tests), in transactions of bounded size.
	PutMany(ctx context.Context, recs []Record) error
	Delete(ctx context.Context, kind Kind, id string) error
	// List returns up to limit records of kind with id > after, in id order.
	List(ctx context.Context, kind Kind, after string, limit int) ([]Record, error)
	Close() error
}

// Decode unmarshals a record into T.
func Decode[T Object](r Record) (T, error) {
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return v, fmt.Errorf("meta: decode %s %s: %w", r.Kind, r.ID, err)
	}
	return v, nil
}

// Get reads one object of type T.
func Get[T Object](ctx context.Context, s Store, id string) (T, error) {
	var zero T
	r, err := s.Get(ctx, zero.Kind(), id)
	if err != nil {
		return zero, err
	}
	return Decode[T](r)
}

// Put validates and writes an object, returning its new version.
func Put(ctx context.Context, s Store, o Object) (int64, error) {
	if err := o.Validate(); err != nil {
		return 0, fmt.Errorf("meta: invalid %s: %w", o.Kind(), err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return 0, err
	}
	return s.Put(ctx, o.Kind(), o.ID(), body)
}

// Encode validates objects and turns them into records for PutMany.
func Encode[T Object](objs []T) ([]Record, error) {
	recs := make([]Record, 0, len(objs))
	for _, o := range objs {
		if err := o.Validate(); err != nil {
			return nil, fmt.Errorf("meta: invalid %s %s: %w", o.Kind(), o.ID(), err)
		}
		body, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		recs = append(recs, Record{Kind: o.Kind(), ID: o.ID(), Body: body})
	}
	return recs, nil
}

// Each calls fn for every object of type T, in id order, a page at a time.
func Each[T Object](ctx context.Context, s Store, fn func(T) error) error {
	var zero T
	after := ""
	for {
		page, err := s.List(ctx, zero.Kind(), after, 1000)
		if err != nil {
			return err
		}
		for _, r := range page {
			v, err := Decode[T](r)
			if err != nil {
				return err
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// All returns every object of type T.
func All[T Object](ctx context.Context, s Store) ([]T, error) {
	var out []T
	err := Each(ctx, s, func(v T) error { out = append(out, v); return nil })
	return out, err
}

// KindOf returns the Kind named s.
func KindOf(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// NewObject returns a pointer to an empty object of kind k, for decoding
// admin input.
func NewObject(k Kind) (Object, bool) {
	switch k {
	case KindApp:
		return &App{}, true
	case KindAPI:
		return &API{}, true
	case KindPackage:
		return &Package{}, true
	case KindSession:
		return &Session{}, true
	case KindFlowRule:
		return &FlowRule{}, true
	case KindTopic:
		return &Topic{}, true
	case KindTopicPermit:
		return &TopicPermit{}, true
	case KindProducer:
		return &Producer{}, true
	case KindSubscription:
		return &Subscription{}, true
	case KindCursor:
		return &Cursor{}, true
	case KindSellerWorker:
		return &SellerWorker{}, true
	}
	return nil, false
}
