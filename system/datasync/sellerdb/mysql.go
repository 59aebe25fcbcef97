package sellerdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// openMySQL opens a pool whose connections suit the writer, whatever the
// caller's DSN says about them:
//   - parseTime off: times are read as the strings both dialects share;
//   - found rows off: an UPDATE that matched but changed nothing reports 0,
//     so a guarded insert that keeps the row reads as stale;
//   - READ COMMITTED, unless the DSN chose a level: the guarded statements
//     lock the one row they change, and REPEATABLE READ's gap locks would make
//     concurrent inserts of new tids (which share the gap at the end of the
//     key range) deadlock.
func openMySQL(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = false
	cfg.ClientFoundRows = false
	cfg.InterpolateParams = false // server-side prepared statements, prepared once per connection
	if _, ok := cfg.Params["tx_isolation"]; !ok {
		if _, ok := cfg.Params["transaction_isolation"]; !ok {
			name, err := isolationVariable(ctx, cfg)
			if err != nil {
				return nil, err
			}
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[name] = "'READ-COMMITTED'"
		}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// isolationVariable names the session's isolation variable: MySQL 8 knows
// only transaction_isolation, MariaDB before 11.1 only tx_isolation.
func isolationVariable(ctx context.Context, cfg *mysql.Config) (string, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var level string
	err = db.QueryRowContext(ctx, "SELECT @@SESSION.transaction_isolation").Scan(&level)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return "transaction_isolation", nil
	case errors.As(err, &me) && me.Number == 1193: // unknown system variable
		return "tx_isolation", nil
	default:
		return "", fmt.Errorf("read the isolation level: %w", err)
	}
}
