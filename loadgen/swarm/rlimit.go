package swarm

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/lesismal/nbio"
)

// raiseNoFile makes room for need open files: it raises RLIMIT_NOFILE's soft
// and, when allowed (CAP_SYS_RESOURCE), hard limit, and tells nbio, whose
// fd table is sized from the limit it saw at start-up.
func raiseNoFile(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("swarm: getrlimit: %w", err)
	}
	if lim.Cur < need {
		want := syscall.Rlimit{Cur: need, Max: max(lim.Max, need)}
		err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
		if err != nil && lim.Max >= need {
			return fmt.Errorf("swarm: setrlimit nofile to %d: %w", need, err)
		}
		if err != nil { // the hard limit cannot be raised: take what it allows
			lim.Cur = lim.Max
			if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err2 != nil {
				err = errors.Join(err, err2)
			}
			return fmt.Errorf("swarm: %d open files needed, RLIMIT_NOFILE hard limit is %d and raising it failed "+
				"(needs CAP_SYS_RESOURCE; split the swarm across processes): %w", need, lim.Max, err)
		}
		lim = want
	}
	if int(lim.Cur) > nbio.MaxOpenFiles {
		nbio.MaxOpenFiles = int(lim.Cur)
	}
	return nil
}
