package socket_test

import (
	"fmt"
	"os"
)

// roleEnv makes the test binary run as a helper process of a benchmark.
const roleEnv = "TOPLAB_SOCKET_ROLE"

func runRole(role string) int {
	fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
	return 2
}
