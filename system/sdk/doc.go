// Package sdk is the Go client ISVs use to reach the TOP platform: the API
// client (signing, single and batch calls, a batcher that merges concurrent
// calls, retries with backoff); its subpackage tmcclient is the TMC message client.
//
// Everything protocol-related (parameters, signing, timestamps, envelopes,
// batch framing, error codes) comes from system/top; this package adds the
// client's own concerns: HTTP, retries, batching and decoding.
package sdk
