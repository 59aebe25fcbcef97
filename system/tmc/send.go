package tmc

import (
	"fmt"
	"strconv"
)

// KeyKind is the custom header that says what a SEND carries.
const KeyKind = "__kind"

// Kind is the value of __kind, emitted as a byte value; any integer type or
// a decimal string is accepted.
type Kind int8

// Kinds of SEND. KindData is 3, the value public clients use for data, so it
// differs from the pull and confirm kinds the reference fixes.
const (
	KindPull    Kind = 1 // client -> server: push me what is waiting
	KindConfirm Kind = 2 // client -> server: message id was handled
	KindData    Kind = 3 // server -> client: a message
)

func (k Kind) String() string {
	switch k {
	case KindPull:
		return "pull"
	case KindConfirm:
		return "confirm"
	case KindData:
		return "data"
	}
	return "kind " + strconv.Itoa(int(k))
}

// KindOf returns the kind of a SEND frame, for dispatch before conversion.
func KindOf(f *Frame) (Kind, error) {
	if err := wantType(f, MsgSend); err != nil {
		return 0, err
	}
	for i := range f.Custom {
		if h := &f.Custom[i]; h.Key == KeyKind {
			return kindField(h)
		}
	}
	return 0, missing("send", KeyKind)
}

func kindField(h *Header) (Kind, error) {
	n, err := intField(h)
	if err != nil {
		return 0, err
	}
	switch k := Kind(n); {
	case h.Value.Type == ValueVoid:
		return 0, missing("send", KeyKind)
	case int64(k) == n && (k == KindPull || k == KindConfirm || k == KindData):
		return k, nil
	}
	return 0, fmt.Errorf("%w: %d", ErrKind, n)
}

// readKind checks that a SEND frame is of kind want.
func readKind(f *Frame, want Kind) error {
	k, err := KindOf(f)
	if err != nil {
		return err
	}
	if k != want {
		return fmt.Errorf("%w: want %s, got %s", ErrKind, want, k)
	}
	return nil
}

// Pull asks the server for the messages waiting for the client's group (the
// public clients' compensating pull). Token is required. A non-zero Flag
// asks for a SENDACK echoing it.
type Pull struct {
	Token string
	Flag  int32
}

// ToFrame returns p as a new frame.
func (p *Pull) ToFrame() *Frame {
	f := new(Frame)
	p.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with p, reusing its storage.
func (p *Pull) FillFrame(f *Frame) {
	f.Reset()
	f.Type, f.Token, f.Flag = MsgSend, p.Token, p.Flag
	f.Custom = append(f.Custom, Header{KeyKind, Byte(int8(KindPull))})
}

// PullFromFrame reads a pull SEND. See Pull.ReadFrame.
func PullFromFrame(f *Frame) (*Pull, error) {
	p := new(Pull)
	if err := p.ReadFrame(f); err != nil {
		return nil, err
	}
	return p, nil
}

// ReadFrame replaces p with the pull in f.
func (p *Pull) ReadFrame(f *Frame) error {
	*p = Pull{}
	if err := readKind(f, KindPull); err != nil {
		return err
	}
	if f.Token == "" {
		return missing("pull", "token")
	}
	p.Token, p.Flag = f.Token, f.Flag
	return nil
}

// Confirm tells the server the client handled message ID (non-zero, the
// Message.ID it received), so it is not resent. Token is required; a
// non-zero Flag asks for a SENDACK echoing it.
type Confirm struct {
	Token string
	Flag  int32
	ID    int64
}

// ToFrame returns c as a new frame.
func (c *Confirm) ToFrame() *Frame {
	f := new(Frame)
	c.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with c, reusing its storage.
func (c *Confirm) FillFrame(f *Frame) {
	f.Reset()
	f.Type, f.Token, f.Flag = MsgSend, c.Token, c.Flag
	f.Custom = append(f.Custom, Header{KeyKind, Byte(int8(KindConfirm))}, Header{KeyID, Int64(c.ID)})
}

// ConfirmFromFrame reads a confirm SEND. See Confirm.ReadFrame.
func ConfirmFromFrame(f *Frame) (*Confirm, error) {
	c := new(Confirm)
	if err := c.ReadFrame(f); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadFrame replaces c with the confirm in f.
func (c *Confirm) ReadFrame(f *Frame) error {
	*c = Confirm{}
	if err := readKind(f, KindConfirm); err != nil {
		return err
	}
	if f.Token == "" {
		return missing("confirm", "token")
	}
	for i := range f.Custom {
		if h := &f.Custom[i]; h.Key == KeyID {
			id, err := intField(h)
			if err != nil {
				return err
			}
			c.ID = id
		}
	}
	if c.ID == 0 {
		return missing("confirm", KeyID)
	}
	c.Token, c.Flag = f.Token, f.Flag
	return nil
}

// SendAck answers a SEND that carried a non-zero Flag, echoing it:
// StatusCode 0 means the SEND was accepted.
type SendAck struct {
	Flag         int32
	StatusCode   int32
	StatusPhrase string
}

// Err returns the failure as a *StatusError, or nil on success.
func (a *SendAck) Err() error {
	if a.StatusCode == 0 {
		return nil
	}
	return &StatusError{Code: a.StatusCode, Phrase: a.StatusPhrase}
}

// ToFrame returns a as a new frame.
func (a *SendAck) ToFrame() *Frame {
	f := new(Frame)
	a.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with a, reusing its storage.
func (a *SendAck) FillFrame(f *Frame) {
	f.Reset()
	f.Type = MsgSendAck
	f.Flag, f.StatusCode, f.StatusPhrase = a.Flag, a.StatusCode, a.StatusPhrase
}

// SendAckFromFrame reads a SENDACK frame. See SendAck.ReadFrame.
func SendAckFromFrame(f *Frame) (*SendAck, error) {
	a := new(SendAck)
	if err := a.ReadFrame(f); err != nil {
		return nil, err
	}
	return a, nil
}

// ReadFrame replaces a with the SENDACK in f, which must carry a flag.
func (a *SendAck) ReadFrame(f *Frame) error {
	*a = SendAck{}
	if err := wantType(f, MsgSendAck); err != nil {
		return err
	}
	if f.Flag == 0 {
		return missing("sendack", "flag")
	}
	a.Flag, a.StatusCode, a.StatusPhrase = f.Flag, f.StatusCode, f.StatusPhrase
	return nil
}
