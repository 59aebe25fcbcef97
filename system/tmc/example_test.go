package tmc_test

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/system/tmc"
)

// The server encodes a data message into a reused frame and buffer; the
// client decodes it, dispatches on the kind and confirms it.
func Example() {
	var out tmc.Frame
	msg := tmc.Message{ID: 42, Topic: "taobao_trade_TradeBuyerPay", Content: `{"tid":1001}`, PubTime: time.UnixMilli(1762790400000)}
	msg.FillFrame(&out)
	wire, err := tmc.AppendFrame(nil, &out)
	if err != nil {
		panic(err)
	}

	var in tmc.Frame
	if err := in.Decode(wire, tmc.Limits{}); err != nil {
		panic(err)
	}
	kind, err := tmc.KindOf(&in)
	if err != nil || kind != tmc.KindData {
		panic(fmt.Sprint(kind, err))
	}
	var got tmc.Message
	if err := got.ReadFrame(&in); err != nil {
		panic(err)
	}
	fmt.Println(got.ID, got.Topic, got.Content, got.PubTime.UnixMilli())

	confirm := tmc.Confirm{Token: "token-from-connectack", ID: got.ID}
	reply, _ := tmc.AppendFrame(nil, confirm.ToFrame())
	fmt.Printf("confirm frame: %d bytes\n", len(reply))
	// Output:
	// 42 taobao_trade_TradeBuyerPay {"tid":1001} 1762790400000
	// confirm frame: 62 bytes
}
