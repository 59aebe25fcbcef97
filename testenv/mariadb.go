package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/toplab/toplab/testenv/images"
)

// EnvMariaDBImage overrides the MariaDB image.
const EnvMariaDBImage = "TOPLAB_MARIADB_IMAGE"

// MariaDBServer is a running MariaDB in a container.
type MariaDBServer struct {
	*Container
	DSN string // go-sql-driver/mysql DSN for the toplab database
}

var mariadbServer = server{
	name:        "mariadb",
	envImage:    EnvMariaDBImage,
	offlineTag:  images.MariaDBTag,
	publicImage: "mariadb:10.11", // Debian bookworm ships MariaDB 10.11
	command: func(startup string, port int) ([]string, map[string]string) {
		p := "--port=" + strconv.Itoa(port)
		if startup == images.StartupOffline {
			// The offline image carries an initialised datadir with the toplab user: no entrypoint runs.
			return []string{"/usr/sbin/mariadbd", "--user=root", "--datadir=/var/lib/mysql", p,
				"--bind-address=127.0.0.1", "--socket=/run/mysqld/mysqld.sock", "--skip-name-resolve"}, nil
		}
		// Public images create the user and database from these variables on first start.
		return []string{p, "--bind-address=127.0.0.1", "--skip-name-resolve"}, map[string]string{
			"MARIADB_ROOT_PASSWORD": images.MariaDBPassword,
			"MARIADB_DATABASE":      images.MariaDBDatabase,
			"MARIADB_USER":          images.MariaDBUser,
			"MARIADB_PASSWORD":      images.MariaDBPassword,
		}
	},
	ready: func(ctx context.Context, port int) error {
		db, err := sql.Open("mysql", mariadbDSN(port))
		if err != nil {
			return err
		}
		defer db.Close()
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	},
}

func mariadbDSN(port int) string {
	cfg := mysql.NewConfig()
	cfg.User = images.MariaDBUser
	cfg.Passwd = images.MariaDBPassword
	cfg.Net = "tcp"
	cfg.Addr = "127.0.0.1:" + strconv.Itoa(port)
	cfg.DBName = images.MariaDBDatabase
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

// StartMariaDB starts a MariaDB server and waits until the toplab user can query it.
func StartMariaDB(ctx context.Context, opt ContainerOptions) (*MariaDBServer, error) {
	c, err := mariadbServer.start(ctx, opt)
	if err != nil {
		return nil, err
	}
	return &MariaDBServer{Container: c, DSN: mariadbDSN(c.Port)}, nil
}

// MariaDB starts a MariaDB server for t and removes it when t ends. Without a
// Docker daemon or an image, t is skipped (or fails under TOPLAB_REQUIRE_INTEGRATION=1).
func MariaDB(t testing.TB, opts ...ContainerOptions) *MariaDBServer {
	t.Helper()
	NeedDocker(t)
	s, err := StartMariaDB(t.Context(), testOptions(t, opts))
	if err != nil {
		failStart(t, "mariadb", err)
	}
	t.Cleanup(func() { s.Terminate() })
	return s
}

// testOptions returns the caller's options with test logging.
func testOptions(t testing.TB, opts []ContainerOptions) ContainerOptions {
	var opt ContainerOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	if opt.Logger == nil {
		opt.Logger = tclog.TestLogger(t)
	}
	return opt
}

// failStart skips when the image is missing (unless integration is required) and fails otherwise.
func failStart(t testing.TB, name string, err error) {
	t.Helper()
	if errors.Is(err, ErrNoImage) {
		SkipOrFail(t, err.Error(), "`make images`")
	}
	t.Fatal(fmt.Errorf("start %s: %w", name, err))
}
