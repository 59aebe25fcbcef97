package reports

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// DescribeMachine reads the host's CPU model, memory, kernel and OS from
// /proc and /etc/os-release; fields it cannot read stay empty.
func DescribeMachine() Machine {
	read := func(path string) []byte {
		b, _ := os.ReadFile(path) // a missing file leaves its field empty
		return b
	}
	return machineFrom(read("/proc/cpuinfo"), read("/proc/meminfo"),
		read("/proc/sys/kernel/osrelease"), read("/etc/os-release"), runtime.NumCPU())
}

func machineFrom(cpuinfo, meminfo, kernel, osRelease []byte, cores int) Machine {
	m := Machine{Cores: cores, Kernel: strings.TrimSpace(string(kernel))}
	m.CPUModel = field(cpuinfo, "model name", ':')
	if kb, err := strconv.ParseUint(strings.TrimSuffix(field(meminfo, "MemTotal", ':'), " kB"), 10, 64); err == nil && kb < 1<<50 {
		m.MemoryBytes = kb * 1024
	}
	m.OS = strings.Trim(field(osRelease, "PRETTY_NAME", '='), `"`)
	return m
}

// field returns the trimmed value of the first "key<sep>value" line.
func field(data []byte, key string, sep byte) string {
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), string(sep))
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
