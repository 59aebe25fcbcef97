package gateway

import (
	"net/netip"
	"sync"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// Call is the state of one API call as it moves through the stages. Calls are
// pooled: nothing may keep a pointer to one after the response is written.
type Call struct {
	RequestID  string
	RemoteIP   netip.Addr
	HTTPMethod string

	// Raw input.
	Query string
	Body  []byte // form body, or the raw batch body (signed)

	// Decoded.
	Params top.Params
	Top    top.Call

	// Resolved by the stages.
	App        meta.App
	API        meta.API
	Session    meta.Session
	HasSession bool
	FieldLevel int
	Fields     string // the fields parameter trimmed to the app's field level
	Backend    *backendPool

	// Result: the backend's JSON object.
	Result []byte

	// batchItem marks a sub-call: its app is already authenticated.
	batchItem bool
}

var callPool = sync.Pool{New: func() any { return new(Call) }}

func getCall() *Call { return callPool.Get().(*Call) }

// maxPooledResult keeps a rare huge backend answer from pinning its buffer in the pool.
const maxPooledResult = 64 << 10

func putCall(c *Call) {
	params := c.Params
	params.Reset()
	result := c.Result[:0]
	if cap(result) > maxPooledResult {
		result = nil
	}
	*c = Call{Params: params, Result: result}
	callPool.Put(c)
}
