package scenarios

import (
	"regexp"
	"strconv"
	"strings"
)

// Field paths name a value the way a reader finds it in the file:
// phases[1].streams.api.shape.kind, env.nodes.push.count,
// streams.api.mix["taobao.trade.fullinfo.get"].

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// field appends a struct field or a map key to path.
func field(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a sequence index to path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parent strips the last element of path ("" for a top-level field).
func parent(path string) string {
	if strings.HasSuffix(path, `"]`) {
		if i := strings.LastIndex(path, `["`); i >= 0 {
			return path[:i]
		}
	}
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
