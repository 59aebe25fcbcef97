package tmc

import "fmt"

// Custom header keys of CONNECT.
const (
	KeyAppKey     = "app_key"
	KeyGroup      = "group_name"
	KeyTimestamp  = "timestamp"
	KeySign       = "sign"
	KeySDK        = "sdk"
	KeyFilterExp  = "filter_exp"
	KeyOutID      = "out_id"
	KeyIntranetIP = "intranet_ip"
)

// Connect is the client's handshake. AppKey, Timestamp and Sign are
// required. The timestamp is emitted as an int64 value; a decimal string, as
// some public clients send, is accepted too.
type Connect struct {
	AppKey     string
	Group      string // "" means DefaultGroup; the decoder fills it in
	Timestamp  int64  // Unix milliseconds, signed as decimal digits
	Sign       string // ConnectSign of the above
	SDK        string // client name and version, informational
	FilterExp  string // optional
	OutID      string // optional
	IntranetIP string // optional
}

// SignWith sets Sign from secret.
func (c *Connect) SignWith(secret string) {
	c.Sign = ConnectSign(secret, c.AppKey, c.Group, c.Timestamp)
}

// VerifySign reports, in constant time, whether Sign was made with secret.
func (c *Connect) VerifySign(secret string) bool {
	return VerifyConnectSign(secret, c.AppKey, c.Group, c.Timestamp, c.Sign)
}

// ToFrame returns c as a new frame.
func (c *Connect) ToFrame() *Frame {
	f := new(Frame)
	c.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with c, reusing its storage. Empty
// optional fields are left out.
func (c *Connect) FillFrame(f *Frame) {
	f.Reset()
	f.Type = MsgConnect
	group := c.Group
	if group == "" {
		group = DefaultGroup
	}
	f.Custom = append(f.Custom,
		Header{KeyAppKey, String(c.AppKey)},
		Header{KeyGroup, String(group)},
		Header{KeyTimestamp, Int64(c.Timestamp)},
		Header{KeySign, String(c.Sign)})
	f.Custom = appendStr(f.Custom, KeySDK, c.SDK)
	f.Custom = appendStr(f.Custom, KeyFilterExp, c.FilterExp)
	f.Custom = appendStr(f.Custom, KeyOutID, c.OutID)
	f.Custom = appendStr(f.Custom, KeyIntranetIP, c.IntranetIP)
}

// ConnectFromFrame reads a CONNECT frame. See Connect.ReadFrame.
func ConnectFromFrame(f *Frame) (*Connect, error) {
	c := new(Connect)
	if err := c.ReadFrame(f); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadFrame replaces c with the CONNECT in f, checking the required fields
// (present and non-empty, timestamp positive). Unknown headers are ignored.
// It does not verify the sign: that needs the app's secret.
func (c *Connect) ReadFrame(f *Frame) error {
	*c = Connect{}
	if err := wantType(f, MsgConnect); err != nil {
		return err
	}
	for i := range f.Custom {
		h := &f.Custom[i]
		var err error
		switch h.Key {
		case KeyAppKey:
			c.AppKey, err = stringField(h)
		case KeyGroup:
			c.Group, err = stringField(h)
		case KeyTimestamp:
			c.Timestamp, err = intField(h)
		case KeySign:
			c.Sign, err = stringField(h)
		case KeySDK:
			c.SDK, err = stringField(h)
		case KeyFilterExp:
			c.FilterExp, err = stringField(h)
		case KeyOutID:
			c.OutID, err = stringField(h)
		case KeyIntranetIP:
			c.IntranetIP, err = stringField(h)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case c.AppKey == "":
		return missing("connect", KeyAppKey)
	case c.Timestamp == 0:
		return missing("connect", KeyTimestamp)
	case c.Timestamp < 0:
		return fmt.Errorf("%w: connect timestamp %d", ErrFieldType, c.Timestamp)
	case c.Sign == "":
		return missing("connect", KeySign)
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	return nil
}

// ConnectAck is the server's answer to CONNECT: a token on success, a
// non-zero StatusCode (and a phrase) on failure.
type ConnectAck struct {
	Token        string
	StatusCode   int32
	StatusPhrase string
}

// Err returns the failure as a *StatusError, or nil on success.
func (a *ConnectAck) Err() error {
	if a.StatusCode == 0 {
		return nil
	}
	return &StatusError{Code: a.StatusCode, Phrase: a.StatusPhrase}
}

// ToFrame returns a as a new frame.
func (a *ConnectAck) ToFrame() *Frame {
	f := new(Frame)
	a.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with a, reusing its storage.
func (a *ConnectAck) FillFrame(f *Frame) {
	f.Reset()
	f.Type = MsgConnectAck
	f.Token, f.StatusCode, f.StatusPhrase = a.Token, a.StatusCode, a.StatusPhrase
}

// ConnectAckFromFrame reads a CONNECTACK frame. See ConnectAck.ReadFrame.
func ConnectAckFromFrame(f *Frame) (*ConnectAck, error) {
	a := new(ConnectAck)
	if err := a.ReadFrame(f); err != nil {
		return nil, err
	}
	return a, nil
}

// ReadFrame replaces a with the CONNECTACK in f: a success must carry a token.
func (a *ConnectAck) ReadFrame(f *Frame) error {
	*a = ConnectAck{}
	if err := wantType(f, MsgConnectAck); err != nil {
		return err
	}
	if f.StatusCode == 0 && f.Token == "" {
		return missing("connectack", "token")
	}
	a.Token, a.StatusCode, a.StatusPhrase = f.Token, f.StatusCode, f.StatusPhrase
	return nil
}
