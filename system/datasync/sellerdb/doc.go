// Package sellerdb writes synced orders into the seller's database, table
// jdp_tb_trade (REFERENCE section 3), in SQLite (the embedded default) or
// MySQL/MariaDB.
//
// The storage model is the original design's: core columns plus the whole
// API JSON in jdp_response and jdp_hashcode = Hash(JSON). A write never moves
// a row back in time: every statement that changes a row is guarded by
// modified (UPDATE ... WHERE tid=? AND modified<?, then a guarded insert), so
// out-of-order and duplicate messages are harmless in any order and from any
// number of writers. A doc whose (modified, hash) equals what this process
// last committed for its tid is skipped without a statement, from a bounded
// cache; the cache is only filled after commit, so it never claims a version
// the database does not hold.
//
// Equal modified with a different hash cannot happen with the trade
// centre's modified rule (modified strictly increases per version), so Write
// treats an equal-modified doc as stale. Repair, the reconciler's tool for
// rows altered behind our back, also rewrites a row at equal modified.
//
// A batch is one transaction whose docs are sorted by tid (so concurrent
// batches take row locks in the same order); deadlocks, lock wait timeouts,
// lost connections and SQLite BUSY retry the whole transaction with backoff.
// Any other failure returns an error and the caller keeps its messages
// unconfirmed: nothing is lost.
package sellerdb
