package reports

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// cpuTimes are the aggregate jiffies of /proc/stat's "cpu" line.
type cpuTimes struct {
	Total, Idle, Steal uint64
}

// parseProcStat reads the aggregate "cpu" line of /proc/stat: user nice
// system idle iowait irq softirq steal [guest guest_nice]. Total sums the
// first eight (guest time is already inside user); Idle includes iowait.
func parseProcStat(data []byte) (cpuTimes, error) {
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 5 {
			return cpuTimes{}, fmt.Errorf("proc stat: cpu line has %d fields", len(f)-1)
		}
		var v [8]uint64
		for i := 0; i < 8 && i+1 < len(f); i++ {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("proc stat: field %d: %w", i+1, err)
			}
			v[i] = n
		}
		var t cpuTimes
		for _, n := range v {
			if t.Total+n < t.Total {
				return cpuTimes{}, errors.New("proc stat: jiffies overflow")
			}
			t.Total += n
		}
		t.Idle, t.Steal = v[3]+v[4], v[7]
		return t, nil
	}
	return cpuTimes{}, errors.New("proc stat: no cpu line")
}

// parseLoadAvg reads the 1-minute load average, the first field of
// /proc/loadavg.
func parseLoadAvg(data []byte) (float64, error) {
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0, errors.New("loadavg: empty")
	}
	x, err := strconv.ParseFloat(f[0], 64)
	if err != nil || x < 0 || x != x || x > 1e9 {
		return 0, fmt.Errorf("loadavg: bad load %q", f[0])
	}
	return x, nil
}
