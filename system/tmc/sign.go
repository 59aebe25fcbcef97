package tmc

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
)

// DefaultGroup is the consumer group of a CONNECT that names none.
const DefaultGroup = "default"

// ConnectSign returns the CONNECT sign: upper-case hex
// MD5(secret + "app_key" + appKey + "group_name" + group + "timestamp" + ms + secret),
// the TOP md5 rule over the three signed headers (already in ASCII order; a
// header with an empty value is left out, as TOP does). An empty group signs
// as DefaultGroup, the group the server will see.
func ConnectSign(secret, appKey, group string, timestampMs int64) string {
	sum := connectDigest(secret, appKey, group, timestampMs)
	var out [2 * md5.Size]byte
	const digits = "0123456789ABCDEF"
	for i, b := range sum {
		out[2*i], out[2*i+1] = digits[b>>4], digits[b&0x0f]
	}
	return string(out[:])
}

// VerifyConnectSign reports whether sign is the CONNECT sign of the other
// arguments. Hex case is not significant; the comparison takes constant time.
func VerifyConnectSign(secret, appKey, group string, timestampMs int64, sign string) bool {
	want := connectDigest(secret, appKey, group, timestampMs)
	var got [md5.Size]byte
	if len(sign) != 2*md5.Size {
		return false
	}
	if _, err := hex.Decode(got[:], []byte(sign)); err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

func connectDigest(secret, appKey, group string, timestampMs int64) [md5.Size]byte {
	if group == "" {
		group = DefaultGroup
	}
	var stack [256]byte // typical inputs hash without a heap allocation
	buf := append(stack[:0], secret...)
	buf = appendSignPair(buf, "app_key", appKey)
	buf = appendSignPair(buf, "group_name", group)
	buf = append(buf, "timestamp"...)
	buf = strconv.AppendInt(buf, timestampMs, 10)
	buf = append(buf, secret...)
	return md5.Sum(buf)
}

func appendSignPair(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	return append(append(dst, name...), value...)
}
