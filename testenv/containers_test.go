package testenv_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/rueidis"

	"github.com/toplab/toplab/testenv"
	"github.com/toplab/toplab/testenv/images"
)

// startupPaths are the two ways a server container is configured: the offline
// image gets the server's full command line, public images configure themselves
// through their entrypoint. Where the public image cannot be pulled, its
// contract is exercised by the entrypoint stand-in built by `toplab images`.
func startupPaths(t *testing.T, offline, public, standIn string) map[string]string {
	t.Helper()
	testenv.NeedDocker(t)
	cli, err := testenv.Docker(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	entry := standIn
	if _, err := cli.ImageInspect(t.Context(), public); err == nil {
		entry = public
	}
	return map[string]string{images.StartupOffline: offline, images.StartupEntrypoint: entry}
}

func TestRedisRoundTrip(t *testing.T) {
	for startup, image := range startupPaths(t, images.RedisTag, "redis:7.0", images.RedisEntrypointTag) {
		t.Run(startup, func(t *testing.T) {
			t.Parallel()
			srv := testenv.Redis(t, testenv.ContainerOptions{Image: image})
			if srv.Startup != startup {
				t.Fatalf("image %s started as %q, want %q", image, srv.Startup, startup)
			}
			c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
			if err != nil {
				t.Fatalf("connect %s: %v", srv.Addr, err)
			}
			defer c.Close()
			ctx := t.Context()
			if err := c.Do(ctx, c.B().Set().Key("toplab:k").Value("double11").Build()).Error(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			got, err := c.Do(ctx, c.B().Get().Key("toplab:k").Build()).ToString()
			if err != nil || got != "double11" {
				t.Fatalf("GET = %q, %v; want double11", got, err)
			}
		})
	}
}

func TestMariaDBRoundTrip(t *testing.T) {
	for startup, image := range startupPaths(t, images.MariaDBTag, "mariadb:10.11", images.MariaDBEntrypointTag) {
		t.Run(startup, func(t *testing.T) {
			t.Parallel()
			srv := testenv.MariaDB(t, testenv.ContainerOptions{Image: image})
			if srv.Startup != startup {
				t.Fatalf("image %s started as %q, want %q", image, srv.Startup, startup)
			}
			db := openDB(t, srv.DSN)
			mustExec(t, db, "CREATE TABLE orders (tid BIGINT PRIMARY KEY, status VARCHAR(64) NOT NULL)")
			mustExec(t, db, "INSERT INTO orders VALUES (?, ?), (?, ?)", 1, "WAIT_BUYER_PAY", 2, "TRADE_FINISHED")
			if got := orderStatus(t, db, 2); got != "TRADE_FINISHED" {
				t.Fatalf("SELECT status = %q, want TRADE_FINISHED", got)
			}
		})
	}
}

// A restarted database keeps its data and its address: the seam for the
// sync issue's "database restarted" fault.
func TestMariaDBRestartKeepsDataAndPort(t *testing.T) {
	srv := testenv.MariaDB(t)
	db := openDB(t, srv.DSN)
	mustExec(t, db, "CREATE TABLE orders (tid BIGINT PRIMARY KEY, status VARCHAR(64) NOT NULL)")
	mustExec(t, db, "INSERT INTO orders VALUES (7, 'WAIT_SELLER_SEND_GOODS')")
	port := srv.Port
	if err := srv.Restart(t.Context(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if srv.Port != port {
		t.Fatalf("port changed across restart: %d -> %d", port, srv.Port)
	}
	if got := orderStatus(t, db, 7); got != "WAIT_SELLER_SEND_GOODS" {
		t.Fatalf("after restart status = %q", got)
	}
}

func TestMissingImageIsAClearError(t *testing.T) {
	testenv.NeedDocker(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := testenv.StartRedis(ctx, testenv.ContainerOptions{Image: "toplab/does-not-exist:never"})
	if !errors.Is(err, testenv.ErrNoImage) {
		t.Fatalf("err = %v, want ErrNoImage", err)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func orderStatus(t *testing.T, db *sql.DB, tid int) string {
	t.Helper()
	var status string
	if err := db.QueryRowContext(t.Context(), "SELECT status FROM orders WHERE tid = ?", tid).Scan(&status); err != nil {
		t.Fatal(fmt.Errorf("select order %d: %w", tid, err))
	}
	return status
}
