package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/toplab/toplab/testenv/images"
)

// EnvRedisImage overrides the Redis image.
const EnvRedisImage = "TOPLAB_REDIS_IMAGE"

// RedisServer is a running Redis in a container.
type RedisServer struct {
	*Container
	Addr string // host:port on 127.0.0.1
}

var redisServer = server{
	name:        "redis",
	envImage:    EnvRedisImage,
	offlineTag:  images.RedisTag,
	publicImage: "redis:7.0", // Debian bookworm ships Redis 7.0
	command: func(startup string, port int) ([]string, map[string]string) {
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"}
		if startup == images.StartupOffline {
			return append([]string{"/usr/bin/redis-server"}, args...), nil
		}
		return append([]string{"redis-server"}, args...), nil
	},
	ready: redisPing,
}

// StartRedis starts a Redis server and waits until it answers PING.
func StartRedis(ctx context.Context, opt ContainerOptions) (*RedisServer, error) {
	c, err := redisServer.start(ctx, opt)
	if err != nil {
		return nil, err
	}
	return &RedisServer{Container: c, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port))}, nil
}

// Redis starts a Redis server for t and removes it when t ends. Without a
// Docker daemon or an image, t is skipped (or fails under TOPLAB_REQUIRE_INTEGRATION=1).
func Redis(t testing.TB, opts ...ContainerOptions) *RedisServer {
	t.Helper()
	NeedDocker(t)
	s, err := StartRedis(t.Context(), testOptions(t, opts))
	if err != nil {
		failStart(t, "redis", err)
	}
	t.Cleanup(func() { s.Terminate() })
	return s
}

// redisPing sends PING in the wire protocol and expects +PONG.
func redisPing(ctx context.Context, port int) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("redis answered %q to PING", strings.TrimSpace(line))
	}
	return nil
}
