package images

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServers starts each server image with host networking on a free port,
// as testenv does (the offline contract: a full command line; the entrypoint
// contract: the public images' environment and arguments), and checks that
// the server answers.
func TestServers(t *testing.T) {
	d := dockerOrSkip(t)
	ensureImages(t)
	mariadbEnv := []string{
		"MARIADB_ROOT_PASSWORD=rootpw",
		"MARIADB_DATABASE=" + MariaDBDatabase,
		"MARIADB_USER=" + MariaDBUser,
		"MARIADB_PASSWORD=" + MariaDBPassword,
	}
	tests := []struct {
		name  string
		image string
		env   []string
		cmd   func(port string) []string
		check func(ctx context.Context, port string) error
	}{{
		name:  "redis offline",
		image: RedisTag,
		cmd: func(p string) []string {
			return []string{"/usr/bin/redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"}
		},
		check: redisPing,
	}, {
		name:  "redis entrypoint",
		image: RedisEntrypointTag,
		cmd: func(p string) []string {
			return []string{"redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
		},
		check: redisPing,
	}, {
		name:  "redis entrypoint options only",
		image: RedisEntrypointTag,
		cmd:   func(p string) []string { return []string{"--port", p, "--bind", "127.0.0.1"} },
		check: redisPing,
	}, {
		name:  "mariadb offline",
		image: MariaDBTag,
		cmd: func(p string) []string {
			return []string{"/usr/sbin/mariadbd", "--user=root", "--datadir=/var/lib/mysql", "--port=" + p,
				"--bind-address=127.0.0.1", "--socket=/run/mysqld/mysqld.sock", "--skip-name-resolve"}
		},
		check: mariadbSelect(MariaDBUser, MariaDBPassword),
	}, {
		name:  "mariadb entrypoint",
		image: MariaDBEntrypointTag,
		env:   mariadbEnv,
		cmd:   func(p string) []string { return []string{"--port=" + p, "--bind-address=127.0.0.1"} },
		check: all(mariadbSelect(MariaDBUser, MariaDBPassword), mariadbSelect("root", "rootpw")),
	}, {
		name:  "mariadb entrypoint MYSQL aliases",
		image: MariaDBEntrypointTag,
		env: []string{
			"MYSQL_ROOT_PASSWORD=rootpw",
			"MYSQL_DATABASE=" + MariaDBDatabase,
			"MYSQL_USER=" + MariaDBUser,
			"MYSQL_PASSWORD=" + MariaDBPassword,
		},
		cmd:   func(p string) []string { return []string{"--port=" + p, "--bind-address=127.0.0.1"} },
		check: mariadbSelect(MariaDBUser, MariaDBPassword),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			port := strconv.Itoa(freePort(t))
			args := []string{"run", "--detach", "--network", "host"}
			for _, e := range tt.env {
				args = append(args, "--env", e)
			}
			args = append(append(args, tt.image), tt.cmd(port)...)
			id, err := d.run(ctx, nil, args...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if t.Failed() {
					logs, _ := d.run(context.Background(), nil, "logs", "--tail", "30", id)
					out, _ := d.run(context.Background(), nil, "container", "inspect", "--format", "{{json .State}}", id)
					t.Logf("container %.12s: %s\n%s", id, out, logs)
				}
				// -v: the entrypoint image's datadir is an anonymous volume.
				if _, err := d.run(context.Background(), nil, "rm", "--force", "--volumes", id); err != nil {
					t.Errorf("remove container: %v", err)
				}
			})
			start := time.Now()
			if err := poll(ctx, d, id, func() error { return tt.check(ctx, port) }); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s answered on port %s after %s", tt.image, port, time.Since(start).Round(time.Millisecond))
		})
	}
}

// poll calls check until it succeeds, the container stops, or ctx ends.
func poll(ctx context.Context, d docker, id string, check func() error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		running, ierr := d.run(ctx, nil, "container", "inspect", "--format", "{{.State.Running}}", id)
		if ierr == nil && running != "true" {
			return fmt.Errorf("container stopped; last check: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server not ready: %w (last check: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func redisPing(ctx context.Context, port string) error {
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "tcp", "127.0.0.1:"+port)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// mariadbSelect checks that user can log in to MariaDBDatabase over TCP and
// create a table in it.
func mariadbSelect(user, password string) func(ctx context.Context, port string) error {
	return func(ctx context.Context, port string) error {
		dsn := fmt.Sprintf("%s:%s@tcp(127.0.0.1:%s)/%s?timeout=5s", user, password, port, MariaDBDatabase)
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		var one int
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return err
		}
		table := "t_" + strings.ReplaceAll(user, ".", "_")
		_, err = db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (x INT)")
		return err
	}
}

func all(checks ...func(context.Context, string) error) func(context.Context, string) error {
	return func(ctx context.Context, port string) error {
		for _, c := range checks {
			if err := c(ctx, port); err != nil {
				return err
			}
		}
		return nil
	}
}
