package flowctl

import (
	"testing"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/testenv"
)

// newRedisClient returns a client of addr closed when t ends.
func newRedisClient(t testing.TB, addr string) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		t.Fatalf("redis client: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// startRedis starts a Redis for t (skipping without Docker).
func startRedis(t testing.TB) *testenv.RedisServer {
	t.Helper()
	return testenv.Redis(t)
}
