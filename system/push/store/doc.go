// Package store is the durable, tiered message store of one push
// (message-service) node: an append-only log of segments holding every
// queue's messages and confirms, a compact in-memory index of unconfirmed
// entries, and three read tiers.
//
// # Format
//
// A store is a directory of segment files named
// "<sequence, 10 digits>-<first id, 20 digits>.seg", so a listing is in log
// order. Each segment starts with a 48-byte header: magic "TLPSHSEG", u32
// format version (1; Open refuses any other with ErrFormatVersion and touches
// nothing), u32 flags, u64 sequence, i64 first id (the next id when the
// segment was created), i64 creation time (Unix ms), u32 reserved, u32
// CRC-32C of the preceding 44 bytes. Records follow, little-endian:
//
//	u32 body length (never 0) | u32 CRC-32C (Castagnoli) of the body | body
//	message body: 0x01 | i64 id | i64 time ms | u8 queue length | queue | payload
//	confirm body: 0x02 | u8 queue length | queue | i64 id ...   (up to 4096 ids)
//
// Segments are preallocated (sparse ftruncate to Config.SegmentBytes) so the
// active one can be mapped whole; a length of 0 marks the zeroed free space
// after the last record, and Close and roll trim it. An Append or Confirm
// call never spans two segments: the segment is rolled first, made larger
// than SegmentBytes when one call needs it.
//
// # Writes: group commit
//
// Callers encode their records (copying their entries) and queue them; a
// single committer goroutine takes everything waiting, assigns ids, writes
// it with one pwrite, ends with one fdatasync (SyncFsync) and only then puts
// the entries in the index and wakes every caller. There is no timer: an
// idle committer sleeps, a busy one batches whatever piled up during the
// previous fsync. Only appends wait for the fdatasync: a batch of nothing but
// confirms is written and applied without one, and becomes durable with the
// next append's sync (a confirm lost to a machine crash only redelivers its
// message, which at-least-once allows). Before writing, Append is refused with ErrFull when statfs
// reports less than MinFreeBytes free or the segments would pass MaxBytes;
// if write(2) still fails with ENOSPC the segment is cut back to the last
// good offset and that batch fails with ErrFull. Any other I/O or fsync error
// makes the store fail-stop, since it can no longer say what is durable.
//
// # Recovery
//
// Open scans the segments in order, replaying messages into the index and
// confirms out of it. At the end of the last segment, a partial or
// checksum-failing record with nothing decodable after it is a torn write:
// it is cut (the file truncated there) and counted in Recovery.TornBytes.
// A bad record followed by good ones, or any bad record in an older segment,
// is corruption: reading that segment stops there, the file is left as it
// is, the event is logged at error level and counted in Recovery.Corrupt, and
// new records go to a new segment. Ids continue after the largest id seen,
// including ids stranded behind damage and segment headers' first ids, so an
// id is never reused.
//
// # Index
//
// Per queue, unconfirmed entries are kept in id order in chunks of 1024
// 32-byte entries (id, time, segment, offset, size); confirmed ones become
// tombstones until their chunk is compacted (at one eighth dead), so a
// backlog costs about 32-40 bytes of heap per entry and never its payload.
//
// # Read tiers
//
// Hot: entries committed within HotWindow (on the injected clock, at most
// HotMaxBytes of payload) stay in a heap ring that aliases the callers'
// encoded buffers. Warm: the newest WarmSegments segments (the active one
// included) are mapped read-only, and reads copy from the mapping (Linux
// keeps write(2) and a shared mapping coherent). Cold: older segments are
// read with pread. Every read checks the record's checksum, id and queue.
// Every segment file stays open while the segment exists.
//
// # Retention
//
// A loop on the injected clock deletes the oldest segment while its newest
// message (by Entry.TimeMs) is older than Retention or it holds no
// unconfirmed entry, never a newer segment before an older one (confirm
// records in newer segments refer to messages in older ones). Unconfirmed
// entries deleted by retention are counted in Stats.ExpiredUnconfirmed. An
// expired active segment is rolled so it can go too.
package store
