package top

// Format is the response format.
type Format uint8

const (
	FormatXML Format = iota // the protocol's default
	FormatJSON
)

func (f Format) String() string {
	if f == FormatJSON {
		return "json"
	}
	return "xml"
}

// Version is the only protocol version served.
const Version = "2.0"

// Call is one API call's system parameters, taken from its Params.
type Call struct {
	Method       string
	AppKey       string
	Session      string
	Sign         string
	SignMethod   SignMethod
	Timestamp    string
	Format       Format
	Simplify     bool
	PartnerID    string
	TargetAppKey string
	Fields       string
	Params       *Params
}

// ParseCall extracts and checks the system parameters that need no metadata:
// presence, syntax and version. Signature, timestamp skew, app and session
// checks belong to the gateway's auth stages.
func ParseCall(p *Params) (Call, *Error) {
	c := Call{
		Method:       p.Get("method"),
		AppKey:       p.Get("app_key"),
		Session:      p.Get("session"),
		Sign:         p.Get("sign"),
		Timestamp:    p.Get("timestamp"),
		PartnerID:    p.Get("partner_id"),
		TargetAppKey: p.Get("target_app_key"),
		Fields:       p.Get("fields"),
		Params:       p,
	}
	switch p.Get("format") {
	case "", "xml":
	case "json":
		c.Format = FormatJSON
	default:
		return c, Errorf(CodeInvalidFormat, "isv.invalid-parameter:format", "format must be xml or json")
	}
	switch p.Get("simplify") {
	case "true", "1":
		c.Simplify = c.Format == FormatJSON // simplify applies to json only
	}
	if c.Method == "" {
		return c, NewError(CodeMissingMethod, "", "")
	}
	if !validMethodName(c.Method) {
		return c, Errorf(CodeInvalidMethod, "isv.invalid-method", "malformed method name %q", truncate(c.Method))
	}
	if c.AppKey == "" {
		return c, NewError(CodeMissingAppKey, "", "")
	}
	if c.Sign == "" {
		return c, NewError(CodeMissingSignature, "", "")
	}
	m, ok := ParseSignMethod(p.Get("sign_method"))
	if !ok {
		return c, Errorf(CodeInvalidSignature, "isv.invalid-sign-method", "sign_method must be md5, hmac or hmac-sha256")
	}
	c.SignMethod = m
	switch v := p.Get("v"); {
	case v == "":
		return c, NewError(CodeMissingVersion, "", "")
	case v == Version:
	case len(v) <= 8 && isVersionLike(v):
		return c, Errorf(CodeUnsupportedVersion, "", "version %s is not supported; use %s", v, Version)
	default:
		return c, Errorf(CodeInvalidVersion, "", "version must be %s", Version)
	}
	return c, nil
}

// validMethodName accepts dotted lower-case names such as taobao.trade.fullinfo.get.
func validMethodName(s string) bool {
	if len(s) > 128 || len(s) < 3 {
		return false
	}
	dots := 0
	prevDot := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if prevDot {
				return false
			}
			dots++
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
		prevDot = false
	}
	return dots > 0 && !prevDot
}

func isVersionLike(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}
