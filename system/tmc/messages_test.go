package tmc

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// wire encodes and decodes f, as a frame crossing the socket.
func wire(t *testing.T, f *Frame) *Frame { t.Helper(); return roundTrip(t, f) }

func TestMessagesRoundTrip(t *testing.T) {
	full := Message{
		ID: 1 << 40, Topic: "taobao_trade_TradeBuyerPay", Content: `{"tid":1001,"status":"WAIT_SELLER_SEND_GOODS"}`,
		PubTime: time.UnixMilli(1700000000123), DataID: 1001, Publisher: "4272", Nick: "卖家小店",
		UserID: 77, OutTime: time.UnixMilli(1700000000456),
	}
	tests := []struct {
		name string
		in   any // pointer to a message type
		kind Kind
	}{
		{"connect", &Connect{AppKey: "12345", Group: "g1", Timestamp: 1700000000000, Sign: "AB", SDK: "toplab-go/1",
			FilterExp: "a=1", OutID: "o", IntranetIP: "10.0.0.1"}, 0},
		{"connect minimal", &Connect{AppKey: "12345", Group: DefaultGroup, Timestamp: 1, Sign: "AB"}, 0},
		{"connectack ok", &ConnectAck{Token: "tok"}, 0},
		{"connectack failure", &ConnectAck{StatusCode: StatusUnauthorized, StatusPhrase: "invalid sign"}, 0},
		{"message full", &full, KindData},
		{"message minimal", &Message{ID: 1, Topic: "t"}, KindData},
		{"pull", &Pull{Token: "tok"}, KindPull},
		{"pull with flag", &Pull{Token: "tok", Flag: 5}, KindPull},
		{"confirm", &Confirm{Token: "tok", ID: 1 << 40}, KindConfirm},
		{"sendack ok", &SendAck{Flag: 5}, 0},
		{"sendack failure", &SendAck{Flag: -5, StatusCode: StatusServerError, StatusPhrase: "store down"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			var err error
			switch in := tt.in.(type) {
			case *Connect:
				got, err = ConnectFromFrame(wire(t, in.ToFrame()))
			case *ConnectAck:
				got, err = ConnectAckFromFrame(wire(t, in.ToFrame()))
			case *Message:
				got, err = MessageFromFrame(wire(t, in.ToFrame()))
			case *Pull:
				got, err = PullFromFrame(wire(t, in.ToFrame()))
			case *Confirm:
				got, err = ConfirmFromFrame(wire(t, in.ToFrame()))
			case *SendAck:
				got, err = SendAckFromFrame(wire(t, in.ToFrame()))
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("round trip = %+v\nwant        %+v", got, tt.in)
			}
			if tt.kind != 0 {
				f := tt.in.(interface{ ToFrame() *Frame }).ToFrame()
				if k, err := KindOf(wire(t, f)); err != nil || k != tt.kind {
					t.Fatalf("KindOf = %v, %v; want %v", k, err, tt.kind)
				}
			}
		})
	}
}

// FillFrame reuses a frame: nothing of the previous message survives.
func TestFillFrameReplaces(t *testing.T) {
	var f Frame
	(&Message{ID: 1, Topic: "t", Nick: "n", UserID: 3}).FillFrame(&f)
	(&Confirm{Token: "tok", ID: 9}).FillFrame(&f)
	c, err := ConfirmFromFrame(&f)
	if err != nil || c.ID != 9 || len(f.Custom) != 2 {
		t.Fatalf("confirm after a message: %+v, %v, headers %+v", c, err, f.Custom)
	}
	(&ConnectAck{Token: "x"}).FillFrame(&f)
	if len(f.Custom) != 0 || f.Type != MsgConnectAck {
		t.Fatalf("connectack kept old headers: %+v", f)
	}
}

func TestConnectDefaults(t *testing.T) {
	c, err := ConnectFromFrame(wire(t, (&Connect{AppKey: "a", Timestamp: 5, Sign: "S"}).ToFrame()))
	if err != nil || c.Group != DefaultGroup {
		t.Fatalf("empty group = %+v, %v; want %q", c, err, DefaultGroup)
	}
	f := &Frame{Type: MsgConnect, Custom: []Header{
		{KeyAppKey, String("a")}, {KeyTimestamp, String("1700000000000")}, {KeySign, String("S")}, {"unknown", Int32(1)},
	}}
	c, err = ConnectFromFrame(wire(t, f))
	if err != nil || c.Timestamp != 1700000000000 || c.Group != DefaultGroup {
		t.Fatalf("string timestamp, no group = %+v, %v", c, err)
	}
	if v, _ := (&Connect{AppKey: "a", Timestamp: 5, Sign: "S"}).ToFrame().Get(KeyTimestamp); v.Type != ValueInt64 {
		t.Fatalf("timestamp emitted as %s, want int64", v.Type)
	}
}

func TestMessageAliasesAndLenientTypes(t *testing.T) {
	f := &Frame{Type: MsgSend, Custom: []Header{
		{KeyKind, Int32(3)}, {KeyID, String("42")}, {KeyTopic, String("t")},
		{"pub_time", Int64(1700000000000)}, {"pub_app_key", String("pub")}, {"user_nick", String("n")},
		{"user_id", Int16(7)}, {"data_id", String("1001")}, {KeyOutTime, Void()},
	}}
	m, err := MessageFromFrame(wire(t, f))
	want := Message{ID: 42, Topic: "t", PubTime: time.UnixMilli(1700000000000), Publisher: "pub", Nick: "n", UserID: 7, DataID: 1001}
	if err != nil || !reflect.DeepEqual(*m, want) {
		t.Fatalf("aliases = %+v, %v\nwant %+v", m, err, want)
	}
	f.Custom = append(f.Custom, Header{KeyNick, String("short")}, Header{KeyTime, DateMs(5)})
	if m, err = MessageFromFrame(wire(t, f)); err != nil || m.Nick != "short" || m.PubTime.UnixMilli() != 5 {
		t.Fatalf("short names must win: %+v, %v", m, err)
	}
}

func TestStatusErrors(t *testing.T) {
	ack := ConnectAck{StatusCode: StatusUnavailable, StatusPhrase: "draining"}
	var se *StatusError
	if err := ack.Err(); !errors.As(err, &se) || se.Code != 503 || !se.Retryable() || err.Error() != "tmc: status 503: draining" {
		t.Fatalf("Err = %v", err)
	}
	if (&ConnectAck{Token: "t"}).Err() != nil || (&SendAck{Flag: 1}).Err() != nil {
		t.Fatal("success reported an error")
	}
	if err := (&SendAck{Flag: 1, StatusCode: StatusBadRequest}).Err(); !errors.As(err, &se) || se.Retryable() {
		t.Fatalf("SendAck.Err = %v", err)
	}
}

func TestFromFrameErrors(t *testing.T) {
	send := func(hs ...Header) *Frame { return &Frame{Type: MsgSend, Token: "tok", Custom: hs} }
	connect := func(hs ...Header) *Frame { return &Frame{Type: MsgConnect, Custom: hs} }
	kind := func(k Kind) Header { return Header{KeyKind, Byte(int8(k))} }
	app, ts, sign := Header{KeyAppKey, String("a")}, Header{KeyTimestamp, Int64(1)}, Header{KeySign, String("S")}
	id, topic := Header{KeyID, Int64(1)}, Header{KeyTopic, String("t")}
	type conv func(*Frame) error
	var (
		toConnect conv = func(f *Frame) error { _, err := ConnectFromFrame(f); return err }
		toAck     conv = func(f *Frame) error { _, err := ConnectAckFromFrame(f); return err }
		toMessage conv = func(f *Frame) error { _, err := MessageFromFrame(f); return err }
		toPull    conv = func(f *Frame) error { _, err := PullFromFrame(f); return err }
		toConfirm conv = func(f *Frame) error { _, err := ConfirmFromFrame(f); return err }
		toSendAck conv = func(f *Frame) error { _, err := SendAckFromFrame(f); return err }
		toKind    conv = func(f *Frame) error { _, err := KindOf(f); return err }
	)
	tests := []struct {
		name string
		conv conv
		f    *Frame
		want error
	}{
		{"connect from send", toConnect, send(app, ts, sign), ErrMessageType},
		{"connect without app_key", toConnect, connect(ts, sign), ErrMissingField},
		{"connect with empty app_key", toConnect, connect(Header{KeyAppKey, String("")}, ts, sign), ErrMissingField},
		{"connect without timestamp", toConnect, connect(app, sign), ErrMissingField},
		{"connect without sign", toConnect, connect(app, ts), ErrMissingField},
		{"connect negative timestamp", toConnect, connect(app, Header{KeyTimestamp, Int64(-1)}, sign), ErrFieldType},
		{"connect timestamp not digits", toConnect, connect(app, Header{KeyTimestamp, String("soon")}, sign), ErrFieldType},
		{"connect timestamp as bytes", toConnect, connect(app, Header{KeyTimestamp, Bytes([]byte{1})}, sign), ErrFieldType},
		{"connect app_key as int", toConnect, connect(Header{KeyAppKey, Int64(1)}, ts, sign), ErrFieldType},
		{"connectack from connect", toAck, &Frame{Type: MsgConnect, Token: "t"}, ErrMessageType},
		{"connectack without token or status", toAck, &Frame{Type: MsgConnectAck}, ErrMissingField},
		{"kind of connect", toKind, connect(kind(KindData)), ErrMessageType},
		{"kind missing", toKind, send(id), ErrMissingField},
		{"kind void", toKind, send(Header{KeyKind, Void()}), ErrMissingField},
		{"kind unknown", toKind, send(kind(20)), ErrKind},
		{"kind out of int8", toKind, send(Header{KeyKind, Int64(259)}), ErrKind},
		{"kind as date", toKind, send(Header{KeyKind, DateMs(3)}), ErrFieldType},
		{"message without kind", toMessage, send(id, topic), ErrMissingField},
		{"message of kind pull", toMessage, send(kind(KindPull), id, topic), ErrKind},
		{"message without id", toMessage, send(kind(KindData), topic), ErrMissingField},
		{"message without topic", toMessage, send(kind(KindData), id), ErrMissingField},
		{"message id not digits", toMessage, send(kind(KindData), Header{KeyID, String("x")}, topic), ErrFieldType},
		{"message topic as int", toMessage, send(kind(KindData), id, Header{KeyTopic, Int32(1)}), ErrFieldType},
		{"message time as string", toMessage, send(kind(KindData), id, topic, Header{KeyTime, String("noon")}), ErrFieldType},
		{"message nick as bytes", toMessage, send(kind(KindData), id, topic, Header{KeyNick, Bytes(nil)}), ErrFieldType},
		{"pull of kind confirm", toPull, send(kind(KindConfirm), id), ErrKind},
		{"pull without token", toPull, &Frame{Type: MsgSend, Custom: []Header{kind(KindPull)}}, ErrMissingField},
		{"confirm without id", toConfirm, send(kind(KindConfirm)), ErrMissingField},
		{"confirm id as string junk", toConfirm, send(kind(KindConfirm), Header{KeyID, String("1x")}), ErrFieldType},
		{"confirm without token", toConfirm, &Frame{Type: MsgSend, Custom: []Header{kind(KindConfirm), id}}, ErrMissingField},
		{"sendack from send", toSendAck, &Frame{Type: MsgSend, Flag: 1}, ErrMessageType},
		{"sendack without flag", toSendAck, &Frame{Type: MsgSendAck}, ErrMissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.conv(wire(t, tt.f)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
