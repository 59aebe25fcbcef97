package tmc

import (
	"fmt"
	"time"
)

// Custom header keys of a data message. The long names in the comments are
// aliases the decoder also accepts; the short name wins if both are sent.
const (
	KeyID        = "id"
	KeyTopic     = "topic"
	KeyContent   = "content"
	KeyTime      = "time"      // alias pub_time
	KeyDataID    = "dataid"    // also data_id
	KeyPublisher = "publisher" // alias pub_app_key
	KeyNick      = "nick"      // alias user_nick
	KeyUserID    = "userid"    // alias user_id
	KeyOutTime   = "outtime"
)

// Message is a data SEND (__kind 3) from the server. ID and Topic are
// required. PubTime is the end-to-end latency clock: it is sent as a date
// (Unix milliseconds), so a receiver measures delivery latency as
// now.Sub(m.PubTime) at millisecond resolution. Zero optional fields are
// left out of the frame.
type Message struct {
	ID        int64     // id: the outgoing id the client confirms
	Topic     string    // topic, e.g. taobao_trade_TradeBuyerPay
	Content   string    // content: JSON text, passed through unparsed
	PubTime   time.Time // time: when the change was published (ms)
	DataID    int64     // dataid: the business key, e.g. the tid
	Publisher string    // publisher: the publishing app key
	Nick      string    // nick: the seller the message concerns
	UserID    int64     // userid
	OutTime   time.Time // outtime: when the server sent it (ms)
}

// ToFrame returns m as a new frame.
func (m *Message) ToFrame() *Frame {
	f := new(Frame)
	m.FillFrame(f)
	return f
}

// FillFrame replaces f's contents with m, reusing its storage.
func (m *Message) FillFrame(f *Frame) {
	f.Reset()
	f.Type = MsgSend
	hs := append(f.Custom,
		Header{KeyKind, Byte(int8(KindData))},
		Header{KeyID, Int64(m.ID)},
		Header{KeyTopic, String(m.Topic)})
	hs = appendStr(hs, KeyContent, m.Content)
	hs = appendDate(hs, KeyTime, m.PubTime)
	hs = appendInt(hs, KeyDataID, m.DataID)
	hs = appendStr(hs, KeyPublisher, m.Publisher)
	hs = appendStr(hs, KeyNick, m.Nick)
	hs = appendInt(hs, KeyUserID, m.UserID)
	f.Custom = appendDate(hs, KeyOutTime, m.OutTime)
}

// MessageFromFrame reads a data SEND. See Message.ReadFrame.
func MessageFromFrame(f *Frame) (*Message, error) {
	m := new(Message)
	if err := m.ReadFrame(f); err != nil {
		return nil, err
	}
	return m, nil
}

// ReadFrame replaces m with the data message in f in one pass over its
// headers, without allocating. Unknown headers are ignored.
func (m *Message) ReadFrame(f *Frame) error {
	*m = Message{}
	if err := wantType(f, MsgSend); err != nil {
		return err
	}
	var (
		kind                          Kind
		hasKind                       bool
		pubTime                       time.Time // aliases, used when the short name is absent
		dataID, userID                int64
		publisher, nick               string
		hasPubTime, hasDataID, hasUID bool
		hasPublisher, hasNick         bool
	)
	for i := range f.Custom {
		h := &f.Custom[i]
		var err error
		switch h.Key {
		case KeyKind:
			kind, err = kindField(h)
			hasKind = true
		case KeyID:
			m.ID, err = intField(h)
		case KeyTopic:
			m.Topic, err = stringField(h)
		case KeyContent:
			m.Content, err = stringField(h)
		case KeyTime:
			m.PubTime, err = timeField(h)
			hasPubTime = true
		case "pub_time":
			pubTime, err = timeField(h)
		case KeyDataID:
			m.DataID, err = intField(h)
			hasDataID = true
		case "data_id":
			dataID, err = intField(h)
		case KeyPublisher:
			m.Publisher, err = stringField(h)
			hasPublisher = true
		case "pub_app_key":
			publisher, err = stringField(h)
		case KeyNick:
			m.Nick, err = stringField(h)
			hasNick = true
		case "user_nick":
			nick, err = stringField(h)
		case KeyUserID:
			m.UserID, err = intField(h)
			hasUID = true
		case "user_id":
			userID, err = intField(h)
		case KeyOutTime:
			m.OutTime, err = timeField(h)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !hasKind:
		return missing("send", KeyKind)
	case kind != KindData:
		return fmt.Errorf("%w: want %s, got %s", ErrKind, KindData, kind)
	case m.ID == 0:
		return missing("message", KeyID)
	case m.Topic == "":
		return missing("message", KeyTopic)
	}
	if !hasPubTime {
		m.PubTime = pubTime
	}
	if !hasDataID {
		m.DataID = dataID
	}
	if !hasPublisher {
		m.Publisher = publisher
	}
	if !hasNick {
		m.Nick = nick
	}
	if !hasUID {
		m.UserID = userID
	}
	return nil
}
