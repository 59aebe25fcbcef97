package meta

import (
	"errors"
	"fmt"
)

// KindSubscription and KindCursor are the message service's own objects.
const (
	KindSubscription Kind = "subscription"
	KindCursor       Kind = "cursor"
)

// DefaultGroup is the message group every app has: it receives the messages
// of sellers no other group of the app names.
const DefaultGroup = "default"

// Subscription is an app's subscription to message topics: which topics it
// receives (for sellers that permit them, see TopicPermit), the field level
// of the content it may see, and its message groups.
type Subscription struct {
	AppKey     string         `json:"app_key"`
	Topics     []string       `json:"topics"`
	FieldLevel int            `json:"field_level,omitempty"`
	Groups     []MessageGroup `json:"groups,omitempty"`
}

// MessageGroup is a named set of an app's consumers that receives the
// messages of the listed sellers (a hot seller's dedicated consumers).
type MessageGroup struct {
	Name    string   `json:"name"`
	Sellers []string `json:"sellers"`
}

// Cursor is a consumer's durable position in a log, e.g. the message
// service's position in the trade centre's change log.
type Cursor struct {
	Name string `json:"name"`
	Seq  int64  `json:"seq"`
}

func (Subscription) Kind() Kind { return KindSubscription }
func (Cursor) Kind() Kind       { return KindCursor }

func (s Subscription) ID() string { return s.AppKey }
func (c Cursor) ID() string       { return c.Name }

// GroupOf returns the group that receives seller's messages.
func (s Subscription) GroupOf(seller string) string {
	for _, g := range s.Groups {
		for _, n := range g.Sellers {
			if n == seller {
				return g.Name
			}
		}
	}
	return DefaultGroup
}

// HasGroup reports whether group exists for the app.
func (s Subscription) HasGroup(group string) bool {
	if group == DefaultGroup {
		return true
	}
	for _, g := range s.Groups {
		if g.Name == group {
			return true
		}
	}
	return false
}

// Subscribes reports whether the app subscribed topic.
func (s Subscription) Subscribes(topic string) bool {
	for _, t := range s.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

func (s Subscription) Validate() error {
	if err := checkID("subscription app key", s.AppKey); err != nil {
		return err
	}
	for _, t := range s.Topics {
		if err := checkID("subscription topic", t); err != nil {
			return err
		}
	}
	if s.FieldLevel < 0 || s.FieldLevel > 9 {
		return fmt.Errorf("field level %d must be 0-9", s.FieldLevel)
	}
	seen := map[string]bool{DefaultGroup: true}
	owner := map[string]string{}
	for _, g := range s.Groups {
		if err := checkID("group name", g.Name); err != nil {
			return err
		}
		if seen[g.Name] {
			return fmt.Errorf("group %q is listed twice (or is the implicit default group)", g.Name)
		}
		seen[g.Name] = true
		if len(g.Sellers) == 0 {
			return fmt.Errorf("group %q names no seller", g.Name)
		}
		for _, n := range g.Sellers {
			if err := checkNick("group seller", n); err != nil {
				return err
			}
			if o, dup := owner[n]; dup {
				return fmt.Errorf("seller %q is in groups %q and %q", n, o, g.Name)
			}
			owner[n] = g.Name
		}
	}
	return nil
}

func (c Cursor) Validate() error {
	if err := checkID("cursor name", c.Name); err != nil {
		return err
	}
	if c.Seq < 0 {
		return errors.New("cursor seq must not be negative")
	}
	return nil
}

// PermitsTopic reports whether the permit lets the app receive topic; an
// empty topic list permits every topic the app subscribed.
func (p TopicPermit) PermitsTopic(topic string) bool {
	if len(p.Topics) == 0 {
		return true
	}
	for _, t := range p.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// MayPublish reports whether the producer may publish topic.
func (p Producer) MayPublish(topic string) bool {
	for _, t := range p.Topics {
		if t == topic {
			return true
		}
	}
	return false
}
