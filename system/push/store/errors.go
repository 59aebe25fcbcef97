package store

import "errors"

var (
	// ErrFull is returned by Append (and by a Confirm whose write hit ENOSPC)
	// when the file system has less than Config.MinFreeBytes free, the
	// segments would exceed Config.MaxBytes, or write(2) failed with ENOSPC.
	// Nothing of the refused call was stored; the store keeps serving.
	ErrFull = errors.New("store: full")
	// ErrNotFound is returned by Read for ids that are unknown, belong to
	// another queue, were confirmed, or expired.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("store: closed")
	// ErrInvalid is returned for entries the store cannot hold: an empty or
	// over-long queue name, a payload over Config.MaxPayloadBytes.
	ErrInvalid = errors.New("store: invalid entry")
	// ErrFormatVersion is returned by Open for a segment written in a format
	// version this code does not know; the directory is left untouched.
	ErrFormatVersion = errors.New("store: unknown segment format version")
	// ErrCorrupt is returned by Read when a record fails its checksum.
	ErrCorrupt = errors.New("store: corrupt record")
)
