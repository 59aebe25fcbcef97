package tmc

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// cat joins byte pieces; strings are ASCII text copied as is.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		default:
			panic("cat: unsupported piece")
		}
	}
	return b
}

type x = []byte

// goldenConnect pins the layout of a CONNECT frame byte by byte.
var goldenConnect = cat(
	x{0x02, 0x00}, // version 2, CONNECT
	x{0x01, 0x00}, x{0x07, 0x00, 0x00, 0x00}, "app_key", x{0x01}, x{0x08, 0x00, 0x00, 0x00}, "10000001",
	x{0x01, 0x00}, x{0x0a, 0x00, 0x00, 0x00}, "group_name", x{0x01}, x{0x07, 0x00, 0x00, 0x00}, "default",
	x{0x01, 0x00}, x{0x09, 0x00, 0x00, 0x00}, "timestamp", x{0x05}, x{0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00},
	x{0x01, 0x00}, x{0x04, 0x00, 0x00, 0x00}, "sign", x{0x01}, x{0x02, 0x00, 0x00, 0x00}, "AB",
	x{0x01, 0x00}, x{0x03, 0x00, 0x00, 0x00}, "sdk", x{0x01}, x{0x05, 0x00, 0x00, 0x00}, "go-01",
	x{0x00, 0x00}, // end of headers
)

var goldenConnectMsg = Connect{AppKey: "10000001", Group: "default", Timestamp: 1700000000000, Sign: "AB", SDK: "go-01"}

// goldenSend pins a data SEND frame.
var goldenSend = cat(
	// version 2, SEND
	x{0x02, 0x02},
	// custom "__kind" = byte 3 (data)
	x{0x01, 0x00}, x{0x06, 0x00, 0x00, 0x00}, "__kind", x{0x02}, x{0x03},
	x{0x01, 0x00}, x{0x02, 0x00, 0x00, 0x00}, "id", x{0x05}, x{0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	x{0x01, 0x00}, x{0x05, 0x00, 0x00, 0x00}, "topic", x{0x01}, x{0x18, 0x00, 0x00, 0x00}, "taobao_trade_TradeCreate",
	x{0x01, 0x00}, x{0x07, 0x00, 0x00, 0x00}, "content", x{0x01}, x{0x09, 0x00, 0x00, 0x00}, `{"tid":1}`,
	x{0x01, 0x00}, x{0x04, 0x00, 0x00, 0x00}, "time", x{0x06}, x{0x7b, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00},
	x{0x00, 0x00},
)

var goldenSendMsg = Message{ID: 258, Topic: "taobao_trade_TradeCreate", Content: `{"tid":1}`, PubTime: time.UnixMilli(1700000000123)}

// goldenAck pins the fixed headers: a failed CONNECTACK with a flag.
var goldenAck = cat(
	// version 2, CONNECTACK
	x{0x02, 0x01},
	// statusCode 401
	x{0x02, 0x00}, x{0x91, 0x01, 0x00, 0x00},
	// statusPhrase "bad"
	x{0x03, 0x00}, x{0x03, 0x00, 0x00, 0x00}, "bad",
	// flag -1
	x{0x04, 0x00}, x{0xff, 0xff, 0xff, 0xff},
	// token "t"
	x{0x05, 0x00}, x{0x01, 0x00, 0x00, 0x00}, "t",
	// end of headers
	x{0x00, 0x00},
)

func TestGoldenFrames(t *testing.T) {
	ack := &Frame{Type: MsgConnectAck, StatusCode: 401, StatusPhrase: "bad", Flag: -1, Token: "t",
		Has: HasStatusCode | HasStatusPhrase | HasFlag | HasToken}
	tests := []struct {
		name  string
		frame *Frame
		want  []byte
	}{
		{"connect", goldenConnectMsg.ToFrame(), goldenConnect},
		{"send", goldenSendMsg.ToFrame(), goldenSend},
		{"fixed headers", ack, goldenAck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendFrame([]byte("prefix"), tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), tt.want...)) {
				t.Fatalf("encoded\n% x\nwant\n% x", got[6:], tt.want)
			}
			back, err := DecodeFrame(tt.want, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			tt.frame.Version = ProtocolVersion
			if !reflect.DeepEqual(back, tt.frame) {
				t.Fatalf("decoded %+v\nwant    %+v", back, tt.frame)
			}
		})
	}
	if c, err := ConnectFromFrame(mustDecode(t, goldenConnect)); err != nil || *c != goldenConnectMsg {
		t.Fatalf("golden connect = %+v, %v", c, err)
	}
	if m, err := MessageFromFrame(mustDecode(t, goldenSend)); err != nil || !reflect.DeepEqual(*m, goldenSendMsg) {
		t.Fatalf("golden send = %+v, %v", m, err)
	}
}

func mustDecode(t testing.TB, b []byte) *Frame {
	t.Helper()
	f, err := DecodeFrame(b, Limits{})
	if err != nil {
		t.Fatalf("decode % x: %v", b, err)
	}
	return f
}

func roundTrip(t *testing.T, f *Frame) *Frame {
	t.Helper()
	b, err := AppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return mustDecode(t, b)
}

func TestValueRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		wire []byte // type byte and value
	}{
		{"void", Void(), x{0}},
		{"string", String("héllo"), cat(x{1, 6, 0, 0, 0}, "héllo")},
		{"empty string", String(""), x{1, 0, 0, 0, 0}},
		{"byte", Byte(-2), x{2, 0xfe}},
		{"byte max", Byte(math.MaxInt8), x{2, 0x7f}},
		{"int16", Int16(-300), x{3, 0xd4, 0xfe}},
		{"int32", Int32(math.MinInt32), x{4, 0, 0, 0, 0x80}},
		{"int64", Int64(math.MaxInt64), x{5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"date", Date(time.UnixMilli(1700000000000)), x{6, 0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00}},
		{"date before 1970", DateMs(-1), x{6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"bytes", Bytes([]byte{0, 0xff, 'a'}), x{7, 3, 0, 0, 0, 0, 0xff, 'a'}},
		{"empty bytes", Bytes(nil), x{7, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Frame{Type: MsgSend, Custom: []Header{{"k", tt.v}}}
			b, err := AppendFrame(nil, f)
			if err != nil {
				t.Fatal(err)
			}
			want := cat(x{2, 2, 1, 0, 1, 0, 0, 0}, "k", tt.wire, x{0, 0})
			if !bytes.Equal(b, want) {
				t.Fatalf("encoded % x, want % x", b, want)
			}
			got, ok := mustDecode(t, b).Get("k")
			if !ok || !got.Equal(tt.v) {
				t.Fatalf("decoded %#v, want %#v", got, tt.v)
			}
		})
	}
}

func TestValueAccessors(t *testing.T) {
	if n, ok := Int16(-5).Integer(); !ok || n != -5 {
		t.Fatalf("Integer = %d, %v", n, ok)
	}
	if _, ok := String("5").Integer(); ok {
		t.Fatal("a string is not an integer value")
	}
	when := time.UnixMilli(1700000000123)
	if got, ok := Date(when.Add(999 * time.Microsecond)).Time(); !ok || !got.Equal(when) {
		t.Fatalf("Time = %v, %v; want %v (truncated to ms)", got, ok, when)
	}
	if _, ok := Int64(1).Time(); ok {
		t.Fatal("an int64 is not a date")
	}
	if Int32(1).Equal(Int64(1)) || !Bytes(nil).Equal(Bytes([]byte{})) || String("a").Equal(String("b")) {
		t.Fatal("Equal compares type and the type's field")
	}
	if s := Int64(7).GoString(); s != "int64(7)" {
		t.Fatalf("GoString = %q", s)
	}
}

func TestMessageTypesRoundTrip(t *testing.T) {
	for _, mt := range []MessageType{MsgConnect, MsgConnectAck, MsgSend, MsgSendAck} {
		t.Run(mt.String(), func(t *testing.T) {
			f := &Frame{Type: mt, Flag: 9, Custom: []Header{{"a", Int32(1)}, {"b", String("x")}}}
			got := roundTrip(t, f)
			if got.Type != mt || got.Flag != 9 || got.Has != HasFlag || len(got.Custom) != 2 || got.Custom[1].Value.Str != "x" {
				t.Fatalf("round trip = %+v", got)
			}
		})
	}
}

// A fixed header that was on the wire with a zero value survives re-encoding.
func TestZeroFixedHeadersKeepPresence(t *testing.T) {
	f := &Frame{Type: MsgSendAck, Has: HasStatusCode | HasStatusPhrase | HasFlag | HasToken}
	b, err := AppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(x{2, 3}, x{2, 0, 0, 0, 0, 0}, x{3, 0, 0, 0, 0, 0}, x{4, 0, 0, 0, 0, 0}, x{5, 0, 0, 0, 0, 0}, x{0, 0})
	if !bytes.Equal(b, want) {
		t.Fatalf("encoded % x, want % x", b, want)
	}
	if got := mustDecode(t, b); got.Has != f.Has {
		t.Fatalf("Has = %b, want %b", got.Has, f.Has)
	}
	empty, _ := AppendFrame(nil, &Frame{Type: MsgSendAck})
	if !bytes.Equal(empty, x{2, 3, 0, 0}) {
		t.Fatalf("empty frame = % x", empty)
	}
}

// Headers may arrive in any order; the encoder writes the canonical one.
func TestDecodeAcceptsAnyHeaderOrder(t *testing.T) {
	b := cat(x{2, 2}, x{1, 0, 1, 0, 0, 0}, "k", x{0}, x{5, 0, 1, 0, 0, 0}, "t", x{2, 0, 7, 0, 0, 0}, x{0, 0})
	f := mustDecode(t, b)
	if f.Token != "t" || f.StatusCode != 7 || len(f.Custom) != 1 {
		t.Fatalf("decoded %+v", f)
	}
	re, _ := AppendFrame(nil, f)
	want := cat(x{2, 2}, x{2, 0, 7, 0, 0, 0}, x{5, 0, 1, 0, 0, 0}, "t", x{1, 0, 1, 0, 0, 0}, "k", x{0}, x{0, 0})
	if !bytes.Equal(re, want) {
		t.Fatalf("re-encoded % x, want % x", re, want)
	}
}

func TestFrameGetSetReset(t *testing.T) {
	var f Frame
	f.Set("a", Int64(1))
	f.Set("b", String("x"))
	f.Set("a", Int64(2))
	if v, ok := f.Get("a"); !ok || v.Int != 2 || len(f.Custom) != 2 {
		t.Fatalf("after Set: %+v", f.Custom)
	}
	if _, ok := f.Get("c"); ok {
		t.Fatal("Get found a missing key")
	}
	f.Token = "t"
	backing := f.Custom[:cap(f.Custom)]
	f.Reset()
	if f.Token != "" || len(f.Custom) != 0 || cap(f.Custom) == 0 {
		t.Fatalf("Reset: %+v", f)
	}
	if backing[1].Value.Str != "" {
		t.Fatal("Reset kept a reference to an old string")
	}
}

func TestAppendFrameRejects(t *testing.T) {
	bad := string([]byte{0xff, 0xfe})
	tests := []struct {
		name  string
		frame Frame
		want  error
	}{
		{"version", Frame{Version: 3}, ErrVersion},
		{"message type", Frame{Type: 4}, ErrMessageType},
		{"value type", Frame{Custom: []Header{{"k", Value{Type: 8}}}}, ErrValueType},
		{"byte range", Frame{Custom: []Header{{"k", Value{Type: ValueByte, Int: 128}}}}, ErrRange},
		{"int16 range", Frame{Custom: []Header{{"k", Value{Type: ValueInt16, Int: -32769}}}}, ErrRange},
		{"int32 range", Frame{Custom: []Header{{"k", Value{Type: ValueInt32, Int: 1 << 31}}}}, ErrRange},
		{"utf-8 key", Frame{Custom: []Header{{bad, Void()}}}, ErrUTF8},
		{"utf-8 value", Frame{Custom: []Header{{"k", String(bad)}}}, ErrUTF8},
		{"utf-8 token", Frame{Token: bad}, ErrUTF8},
		{"utf-8 phrase", Frame{StatusPhrase: bad}, ErrUTF8},
		{"duplicate key", Frame{Custom: []Header{{"k", Void()}, {"j", Void()}, {"k", Void()}}}, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := AppendFrame(dst, &tt.frame)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if string(got) != "keep" {
				t.Fatalf("dst changed to %q", got)
			}
		})
	}
}

func TestDuplicateCheckWithManyHeaders(t *testing.T) {
	var f Frame
	for i := range 40 {
		f.Custom = append(f.Custom, Header{strings.Repeat("k", i+1), Void()})
	}
	if _, err := AppendFrame(nil, &f); err != nil {
		t.Fatal(err)
	}
	f.Custom = append(f.Custom, Header{"kkk", Void()})
	if _, err := AppendFrame(nil, &f); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("err = %v, want ErrDuplicate", err)
	}
}
