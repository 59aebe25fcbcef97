package top

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// SignMethod is how a request is signed.
type SignMethod uint8

const (
	SignMD5        SignMethod = iota + 1 // MD5(secret + params + body + secret)
	SignHMAC                             // HMAC-MD5(secret, params + body)
	SignHMACSHA256                       // HMAC-SHA256(secret, params + body)
)

// ParseSignMethod maps the sign_method parameter; an empty value means md5.
func ParseSignMethod(s string) (SignMethod, bool) {
	switch s {
	case "", "md5":
		return SignMD5, true
	case "hmac":
		return SignHMAC, true
	case "hmac-sha256":
		return SignHMACSHA256, true
	}
	return 0, false
}

func (m SignMethod) String() string {
	switch m {
	case SignMD5:
		return "md5"
	case SignHMAC:
		return "hmac"
	case SignHMACSHA256:
		return "hmac-sha256"
	}
	return "unknown"
}

var signBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// AppendSignString appends what is hashed between the secrets: every
// parameter but sign with a non-empty name and value, as name+value in ASCII
// order, then the raw body (batch calls).
func AppendSignString(dst []byte, p *Params, body []byte) []byte {
	for _, kv := range p.list {
		if kv.Name == "sign" || kv.Name == "" || kv.Value == "" {
			continue
		}
		dst = append(dst, kv.Name...)
		dst = append(dst, kv.Value...)
	}
	return append(dst, body...)
}

// digest computes the raw signature bytes into out and returns them.
func digest(m SignMethod, secret string, p *Params, body []byte, out []byte) []byte {
	bp := signBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	var h hash.Hash
	switch m {
	case SignHMAC:
		h = hmac.New(md5.New, []byte(secret))
		buf = AppendSignString(buf, p, body)
	case SignHMACSHA256:
		h = hmac.New(sha256.New, []byte(secret))
		buf = AppendSignString(buf, p, body)
	default:
		h = md5.New()
		buf = append(buf, secret...)
		buf = AppendSignString(buf, p, body)
		buf = append(buf, secret...)
	}
	h.Write(buf)
	*bp = buf
	signBufs.Put(bp)
	return h.Sum(out[:0])
}

// Sign returns the upper-case hex signature of p (and body) with secret.
func Sign(m SignMethod, secret string, p *Params, body []byte) string {
	var raw [sha256.Size]byte
	return strings.ToUpper(hex.EncodeToString(digest(m, secret, p, body, raw[:])))
}

// VerifySign reports whether sign is the signature of p (and body). Hex case
// is not significant; the comparison takes constant time.
func VerifySign(m SignMethod, secret string, p *Params, body []byte, sign string) bool {
	var want, got [sha256.Size]byte
	w := digest(m, secret, p, body, want[:])
	if len(sign) != 2*len(w) {
		return false
	}
	if _, err := hex.Decode(got[:len(w)], []byte(sign)); err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(w, got[:len(w)]) == 1
}
