// Package toptarget is the TOP request population of the load generator: a
// vegeta targeter that sends signed calls to a gateway's /router/rest and
// /router/batch, and the loadgen classifier that reads the answers.
//
// # Population
//
// Apps (given, or generated with the names `toplab meta seed` uses) are
// picked with Zipf-skewed popularity: rank k (0 is the first app) weighs
// (v+k)^-s, so with the default s=1.1, v=1 over 100 apps the first app
// makes 23% of the traffic and the first ten 63%. Each call draws an API from the weighted mix
// (DefaultMix: order-sync traffic over the backend's catalogue), one of the
// app's sessions, parameters from per-API pools (order tids of the
// session's seller, catalogue num_iids), a sign method and a format. A
// BatchFraction of requests are batches of BatchSize calls of one app, each
// item with its own session. Draws come from a PCG seeded by (Seed, hit
// number), so a seed fixes the sequence of calls whatever the concurrency;
// only the timestamp moves with the clock.
//
// # Signing
//
// Parameters, signatures, timestamps and batch framing are system/top's
// (the same code the SDK and gateway use). Every hit is signed afresh: its
// timestamp moves with the clock (formatted once a second). Signing and
// encoding are most of a hit's cost; see testdata/bench.txt.
//
// # Deliberate errors
//
// A BadFraction of requests carry one defect, of a kind drawn from
// BadKinds, each with the code the gateway must answer (REFERENCE section 1):
// a wrong sign (25), a timestamp an hour old (31), an unknown method (22),
// an unknown session (27), an unknown app key (29). In a batch the sign,
// timestamp and app key spoil the whole request (one error_response), while
// an unknown method or session spoils one item.
//
// The expected code travels with the request in its URL fragment (for
// example /router/rest#expect=25, /router/batch?...#batch=20&item=3&expect=22):
// an HTTP client never sends the fragment, but vegeta copies the target URL
// into Result.URL, so the classifier reads the expectation back without any
// table shared between the targeter and the recorder, and the gateway sees
// an ordinary request.
//
// # Outcomes
//
// The classifier names every hit "ok", "top:<code>" (a good call refused:
// flow control is top:7), "expected:<code>" (a bad call refused as it must
// be), "unexpected:<code>" or "wrong-success" (a bad call answered wrongly),
// "unclassified" (no TOP envelope, or a batch answered with the wrong number
// of parts), or loadgen's names for non-2xx and transport failures. A batch
// is named by its worst part; Targeter.Calls counts every call's outcome, so
// the accounting package can check calls as well as hits. Only "ok" counts
// as a success in loadgen's summary: expected errors are errors there, and
// the accounting package tells them apart.
package toptarget
