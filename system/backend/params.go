package backend

import (
	"strconv"
	"time"

	"github.com/toplab/toplab/system/top"
)

// Paging limits of the list APIs.
const (
	defaultPageSize = 40
	maxPageNo       = 1_000_000
)

// page is a validated page_no/page_size pair.
type page struct {
	no, size int
}

func (p page) offset() int { return (p.no - 1) * p.size }

// paramInt64 reads a required positive integer.
func paramInt64(p *top.Params, name string) (int64, error) {
	s := p.Get(name)
	if s == "" {
		return 0, missingParam(name)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, invalidParam(name, "%s must be a positive integer", name)
	}
	return v, nil
}

// paramFields reads the required fields parameter against the known names.
func paramFields(p *top.Params, known fieldSet) (fieldSet, error) {
	s := p.Get("fields")
	if s == "" {
		return nil, missingParam("fields")
	}
	fs, ok := parseFields(s, known)
	if !ok {
		return nil, invalidParam("fields", "fields names no known field")
	}
	return fs, nil
}

// paramPage reads page_no (default 1) and page_size (default 40, at most maxSize).
func paramPage(p *top.Params, maxSize int) (page, error) {
	pg := page{no: 1, size: defaultPageSize}
	if s := p.Get("page_no"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxPageNo {
			return pg, invalidParam("page_no", "page_no must be an integer from 1 to %d", maxPageNo)
		}
		pg.no = v
	}
	if s := p.Get("page_size"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxSize {
			return pg, invalidParam("page_size", "page_size must be an integer from 1 to %d", maxSize)
		}
		pg.size = v
	}
	return pg, nil
}

// paramTime reads an optional time in the GMT+8 layout; ok is false when absent.
func paramTime(p *top.Params, name string) (ts Timestamp, ok bool, err error) {
	s := p.Get(name)
	if s == "" {
		return 0, false, nil
	}
	ts, perr := ParseTimestamp(s)
	if perr != nil {
		return 0, false, invalidParam(name, "%s must be %q in GMT+8", name, top.TimestampLayout)
	}
	return ts, true, nil
}

// paramStatus reads the optional status filter.
func paramStatus(p *top.Params) ([]string, error) {
	s := p.Get("status")
	if s == "" {
		return nil, nil
	}
	st, ok := statusFilters[s]
	if !ok {
		return nil, invalidParam("status", "unknown status %q", truncateForError(s))
	}
	return st, nil
}

// paramBool reads an optional boolean ("true"/"false", "1"/"0").
func paramBool(p *top.Params, name string) (bool, error) {
	switch p.Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, invalidParam(name, "%s must be true or false", name)
}

// maxIncrementWindow is taobao.trades.sold.increment.get's longest window.
const maxIncrementWindow = 24 * time.Hour
