package push

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/toplab/toplab/system/tmc"
)

// Message is one published message as the store keeps it for one app: the
// id is the store's, the rest is what the producer sent (content already
// trimmed to the app's field level).
type Message struct {
	Topic     string
	Content   []byte // a JSON object
	Nick      string // the seller the message concerns
	UserID    int64
	DataID    int64 // the business key, e.g. the tid
	Publisher string
	PubTimeMs int64 // when the producer published it: the start of end-to-end latency
}

// Limits of a message.
const (
	MaxContentBytes = 64 << 10
	maxTopicBytes   = 128
	maxNickBytes    = 64
	payloadVersion  = 1
)

var errBadPayload = errors.New("push: bad message payload")

// appendPayload encodes m for the store: a version byte, then the fields as
// varints and length-prefixed strings.
func appendPayload(dst []byte, m *Message) []byte {
	dst = append(dst, payloadVersion)
	dst = appendStr(dst, m.Topic)
	dst = appendStr(dst, m.Nick)
	dst = appendStr(dst, m.Publisher)
	dst = binary.AppendVarint(dst, m.UserID)
	dst = binary.AppendVarint(dst, m.DataID)
	dst = binary.AppendVarint(dst, m.PubTimeMs)
	dst = binary.AppendUvarint(dst, uint64(len(m.Content)))
	return append(dst, m.Content...)
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodePayload is appendPayload's inverse; it never trusts a length.
func decodePayload(b []byte, m *Message) error {
	if len(b) == 0 || b[0] != payloadVersion {
		return fmt.Errorf("%w: unknown version", errBadPayload)
	}
	d := payloadDecoder{b: b[1:]}
	m.Topic = d.str(maxTopicBytes)
	m.Nick = d.str(maxNickBytes)
	m.Publisher = d.str(maxTopicBytes)
	m.UserID = d.varint()
	m.DataID = d.varint()
	m.PubTimeMs = d.varint()
	m.Content = d.bytes(MaxContentBytes)
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errBadPayload, len(d.b))
	}
	return nil
}

type payloadDecoder struct {
	b   []byte
	err error
}

func (d *payloadDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", errBadPayload)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *payloadDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", errBadPayload)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *payloadDecoder) bytes(max int) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: length %d", errBadPayload, n)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *payloadDecoder) str(max int) string {
	b := d.bytes(max)
	if d.err == nil && !utf8.Valid(b) {
		d.err = fmt.Errorf("%w: invalid UTF-8", errBadPayload)
	}
	return string(b)
}

// toTMC is the message as a data SEND for the client.
func (m *Message) toTMC(id, outMs int64) *tmc.Message {
	return &tmc.Message{ID: id, Topic: m.Topic, Content: string(m.Content), PubTime: msTime(m.PubTimeMs),
		DataID: m.DataID, Publisher: m.Publisher, Nick: m.Nick, UserID: m.UserID, OutTime: msTime(outMs)}
}
