package reports

import (
	"encoding/json"
	"testing"
)

// summary.json comes from disk, possibly from another version or by hand:
// decoding and everything computed from a decoded run must not panic.
func FuzzDecode(f *testing.F) {
	js, err := json.Marshal(sampleRun(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js)
	f.Add([]byte(`{"streams":[{"name":"a","series":[{"second":1,"count":0}]}],"phases":[{"name":"w","end_s":3,"warmup":true}]}`))
	f.Add([]byte(`{"slos":[{"name":"x","op":"<=","missing":true}],"checks":[{"name":"c"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		_ = r.Figures()
		_ = r.Failures()
		_ = Markdown(r)
		if _, err := json.Marshal(Normalize(r)); err != nil {
			t.Fatalf("a decoded run does not encode: %v", err)
		}
	})
}

func FuzzLatencyOf(f *testing.F) {
	f.Add(hist(f, []int64{1, 10, 100, 1000, 1e6}))
	f.Add(hist(f, nil))
	f.Add("HISTFAAAAB")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := LatencyOf(s)
		if err != nil {
			return
		}
		if l.Count > 0 && (l.P50 > l.P99 || l.P99 > l.Max) {
			t.Fatalf("quantiles out of order: %+v", l)
		}
		q, v, err := l.Quantiles()
		if err != nil || len(q) != len(v) {
			t.Fatalf("quantiles of a decoded histogram: %v, %d vs %d", err, len(q), len(v))
		}
	})
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4\n"))
	f.Add([]byte("cpu 1 2 3 4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseProcStat(data)
		if err == nil && (c.Idle > c.Total || c.Steal > c.Total) {
			t.Fatalf("parts exceed the total: %+v", c)
		}
	})
}

func FuzzParseLoadAvg(f *testing.F) {
	f.Add([]byte("0.52 0.58 0.59 1/467 12345\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if x, err := parseLoadAvg(data); err == nil && (x < 0 || x != x) {
			t.Fatalf("load %v accepted", x)
		}
	})
}

func FuzzMachineFrom(f *testing.F) {
	f.Add([]byte("model name\t: X\n"), []byte("MemTotal: 1024 kB\n"), []byte("PRETTY_NAME=\"D\"\n"))
	f.Fuzz(func(t *testing.T, cpuinfo, meminfo, osRelease []byte) {
		m := machineFrom(cpuinfo, meminfo, nil, osRelease, 1)
		if m.MemoryBytes%1024 != 0 {
			t.Fatalf("memory %d is not whole kB", m.MemoryBytes)
		}
	})
}
