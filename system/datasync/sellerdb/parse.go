package sellerdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// ErrMalformed marks a trade document that cannot be stored.
var ErrMalformed = errors.New("sellerdb: malformed trade")

// Limits of a stored document, from the column types.
const (
	maxNickBytes = 64         // the trade centre's limit (the columns are varchar(64), wider than JDP's 32)
	maxWordBytes = 64         // status and type: varchar(64)
	maxJSONBytes = 16<<20 - 1 // mediumtext
	minYear      = 1970
	maxYear      = 9999
)

// Doc is one version of an order, ready to write.
type Doc struct {
	Tid        int64
	Status     string
	Type       string
	SellerNick string
	BuyerNick  string
	Created    time.Time // zero when the API left it out
	Modified   time.Time // second resolution; orders versions of one tid
	JSON       []byte    // the "trade" object exactly as the API returned it
	Hash       string    // Hash(JSON)
}

// tradeHead is the part of a trade object that fills the core columns.
type tradeHead struct {
	Tid        int64   `json:"tid"`
	Status     string  `json:"status"`
	Type       string  `json:"type"`
	SellerNick string  `json:"seller_nick"`
	BuyerNick  string  `json:"buyer_nick"`
	Created    *string `json:"created"`
	Modified   *string `json:"modified"`
}

// ParseDoc reads the "trade" object of taobao.trade.fullinfo.get. It keeps a
// copy of the bytes (surrounding white space trimmed) and fills Hash. Errors
// wrap ErrMalformed.
func ParseDoc(tradeJSON []byte) (Doc, error) {
	b := bytes.TrimSpace(tradeJSON)
	bad := func(format string, args ...any) (Doc, error) {
		return Doc{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(b) == 0 || b[0] != '{' {
		return bad("not a json object")
	}
	if len(b) > maxJSONBytes {
		return bad("%d bytes, more than %d", len(b), maxJSONBytes)
	}
	var h tradeHead
	if err := json.Unmarshal(b, &h); err != nil {
		return bad("%v", err)
	}
	switch {
	case h.Tid <= 0:
		return bad("tid must be a positive integer")
	case h.SellerNick == "" || len(h.SellerNick) > maxNickBytes || !utf8.ValidString(h.SellerNick):
		return bad("seller_nick must be 1 to %d bytes of utf-8", maxNickBytes)
	case len(h.BuyerNick) > maxNickBytes:
		return bad("buyer_nick is longer than %d bytes", maxNickBytes)
	case len(h.Status) > maxWordBytes || len(h.Type) > maxWordBytes:
		return bad("status and type must be at most %d bytes", maxWordBytes)
	case h.Modified == nil:
		return bad("modified is missing")
	}
	modified, err := parseTime(*h.Modified)
	if err != nil || modified.IsZero() {
		return bad("modified: %v", err)
	}
	var created time.Time
	if h.Created != nil && *h.Created != "" {
		if created, err = parseTime(*h.Created); err != nil {
			return bad("created: %v", err)
		}
	}
	js := bytes.Clone(b)
	return Doc{
		Tid: h.Tid, Status: h.Status, Type: h.Type, SellerNick: h.SellerNick, BuyerNick: h.BuyerNick,
		Created: created, Modified: modified, JSON: js, Hash: Hash(js),
	}, nil
}

// Hash is the stable fingerprint of a document stored in jdp_hashcode:
// xxhash64 of the bytes as 16 lower-case hex digits.
func Hash(b []byte) string {
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], xxhash.Sum64(b))
	return hex.EncodeToString(sum[:])
}

// validate checks a doc built by hand rather than by ParseDoc; it fills a
// missing Hash.
func (d *Doc) validate() error {
	switch {
	case d.Tid <= 0:
		return fmt.Errorf("%w: tid %d must be positive", ErrMalformed, d.Tid)
	case d.Modified.IsZero():
		return fmt.Errorf("%w: tid %d has no modified", ErrMalformed, d.Tid)
	case len(d.JSON) == 0:
		return fmt.Errorf("%w: tid %d has no json", ErrMalformed, d.Tid)
	}
	if d.Hash == "" {
		d.Hash = Hash(d.JSON)
	}
	return nil
}
