package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU is the processor time a process has used, split as the kernel keeps it.
type CPU struct {
	User   time.Duration `json:"user"`
	System time.Duration `json:"system"`
}

// Total is user plus system time.
func (c CPU) Total() time.Duration { return c.User + c.System }

// Add is the time of c and o together (two processes, or two spans).
func (c CPU) Add(o CPU) CPU { return CPU{User: c.User + o.User, System: c.System + o.System} }

// Sub is the time used between an earlier reading and c.
func (c CPU) Sub(earlier CPU) CPU {
	return CPU{User: c.User - earlier.User, System: c.System - earlier.System}
}

// clockTick is the unit of /proc/<pid>/stat's times. USER_HZ is 100 on
// every Linux architecture Go supports, and reading it needs sysconf (cgo).
const clockTick = 10 * time.Millisecond

// ProcessCPU is the processor time of pid and of its live descendants (a
// node such as nginx does its work in child processes). Children that have
// already exited are not counted: a reading is for comparing two moments of
// the same process tree.
func ProcessCPU(pid int) (CPU, error) {
	return processTreeCPU(pid, 0)
}

func processTreeCPU(pid, depth int) (CPU, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPU{}, err
	}
	cpu, err := parseProcessStat(stat)
	if err != nil || depth > 8 {
		return cpu, err
	}
	kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return cpu, nil // kernels without CONFIG_PROC_CHILDREN: the process alone
	}
	for _, f := range strings.Fields(string(kids)) {
		kid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if c, err := processTreeCPU(kid, depth+1); err == nil { // a child may exit meanwhile
			cpu = cpu.Add(c)
		}
	}
	return cpu, nil
}

// parseProcessStat reads utime and stime from a /proc/<pid>/stat line. The
// command name is in parentheses and may hold spaces and parentheses itself,
// so fields are counted from the last ')'.
func parseProcessStat(stat []byte) (CPU, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return CPU{}, errors.New("process stat: no command name")
	}
	// After the name: state (field 3) ... utime (14), stime (15).
	f := strings.Fields(string(stat[end+1:]))
	if len(f) < 13 {
		return CPU{}, fmt.Errorf("process stat: %d fields after the name, want at least 13", len(f))
	}
	var ticks [2]time.Duration
	for i, s := range f[11:13] {
		n, err := strconv.ParseUint(s, 10, 63)
		if err != nil || n > uint64(1<<62)/uint64(clockTick) {
			return CPU{}, fmt.Errorf("process stat: bad time %q", s)
		}
		ticks[i] = time.Duration(n) * clockTick
	}
	return CPU{User: ticks[0], System: ticks[1]}, nil
}

// CPU is the processor time of the node's current process and its live
// descendants; zero with an error when no process runs.
func (n *Node) CPU() (CPU, error) {
	pid := n.PID()
	if pid == 0 {
		return CPU{}, fmt.Errorf("testenv: node %s runs no process", n.Name())
	}
	return ProcessCPU(pid)
}
