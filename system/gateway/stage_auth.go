package gateway

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// Metadata is what the stages read; metacache.Cache implements it.
type Metadata interface {
	App(ctx context.Context, key string) (meta.App, error)
	API(ctx context.Context, name string) (meta.API, error)
	Session(ctx context.Context, key string) (meta.Session, error)
	Package(ctx context.Context, name string) (meta.Package, error)
}

// AppAuth authenticates the calling app: it exists and is active, the
// timestamp is fresh, the sign verifies with its secret (constant time), and
// the caller's address is on its whitelist.
type AppAuth struct {
	Cache   Metadata
	Clock   clock.Clock
	MaxSkew time.Duration // default top.MaxSkew
	// SignBody includes the raw body in the sign (batch requests).
	SignBody bool
}

var _ Stage = (*AppAuth)(nil)

func (*AppAuth) Name() string { return "app_auth" }

func (s *AppAuth) Handle(ctx context.Context, c *Call) *top.Error {
	app, err := s.Cache.App(ctx, c.Top.AppKey)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		return top.Errorf(top.CodeInvalidAppKey, "isv.appkey-not-exists", "app key %s does not exist", c.Top.AppKey)
	case err != nil:
		return metadataUnavailable(err)
	case app.Status != meta.AppActive:
		return top.Errorf(top.CodeInvalidAppKey, "isv.app-disabled", "app %s is disabled", app.Key)
	}
	skew := s.MaxSkew
	if skew <= 0 {
		skew = top.MaxSkew
	}
	if err := top.CheckTimestamp(c.Top.Timestamp, clock.Or(s.Clock).Now(), skew); err != nil {
		return err
	}
	var body []byte
	if s.SignBody {
		body = c.Body
	}
	if !top.VerifySign(c.Top.SignMethod, app.Secret, &c.Params, body, c.Top.Sign) {
		return top.NewError(top.CodeInvalidSignature, "", "")
	}
	if !allowed(app.IPWhitelist, c.RemoteIP) {
		return top.Errorf(top.CodeForbiddenRequest, "isv.ip-not-in-whitelist", "address %s is not on the app's whitelist", c.RemoteIP)
	}
	c.App = app
	return nil
}

// allowed reports whether ip is on the whitelist; an empty list allows all.
// The list is tiny, so a scan beats building a trie per app.
func allowed(whitelist []string, ip netip.Addr) bool {
	if len(whitelist) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, entry := range whitelist {
		p, err := meta.ParseAllowed(entry)
		if err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// SessionAuth resolves the session: required when the API needs user
// authorisation, and when given it must belong to the calling app and be unexpired.
type SessionAuth struct {
	Cache Metadata
	Clock clock.Clock
}

var _ Stage = (*SessionAuth)(nil)

func (*SessionAuth) Name() string { return "session" }

func (s *SessionAuth) Handle(ctx context.Context, c *Call) *top.Error {
	if c.Top.Session == "" {
		if c.API.NeedsSession {
			return top.Errorf(top.CodeMissingSession, "", "method %s needs a user session", c.API.Name)
		}
		return nil
	}
	sess, err := s.Cache.Session(ctx, c.Top.Session)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		return top.Errorf(top.CodeInvalidSession, "isv.session-not-exist", "the session does not exist")
	case err != nil:
		return metadataUnavailable(err)
	case sess.AppKey != c.App.Key:
		return top.Errorf(top.CodeInvalidSession, "isv.session-app-mismatch", "the session was not issued to this app")
	case !clock.Or(s.Clock).Now().Before(sess.Expires):
		return top.Errorf(top.CodeInvalidSession, "isv.session-expired", "the session expired at %s", top.FormatTimestamp(sess.Expires))
	}
	c.Session, c.HasSession = sess, true
	return nil
}
