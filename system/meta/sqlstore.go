package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // MySQL/MariaDB driver

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/sqlitefile"
)

// SQLStore keeps records in one table of SQLite or MySQL/MariaDB.
type SQLStore struct {
	db     *sql.DB
	mysql  bool
	clock  clock.Clock
	upsert string
}

var _ Store = (*SQLStore)(nil)

const putManyBatch = 500

// OpenSQLite opens (creating if needed) a SQLite metadata store at path,
// shareable by the local processes of one machine (WAL mode).
func OpenSQLite(path string, c clock.Clock) (*SQLStore, error) {
	db, err := sqlitefile.Open(path, 4)
	if err != nil {
		return nil, err
	}
	return newSQLStore(db, false, c)
}

// OpenMySQL opens a metadata store in a MySQL or MariaDB database.
func OpenMySQL(dsn string, c clock.Clock) (*SQLStore, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	return newSQLStore(db, true, c)
}

func newSQLStore(db *sql.DB, mysql bool, c clock.Clock) (*SQLStore, error) {
	s := &SQLStore{db: db, mysql: mysql, clock: clock.Or(c)}
	ddl := `CREATE TABLE IF NOT EXISTS toplab_meta (
		kind VARCHAR(32) NOT NULL,
		id VARCHAR(200) NOT NULL,
		body TEXT NOT NULL,
		version BIGINT NOT NULL,
		updated_ms BIGINT NOT NULL,
		PRIMARY KEY (kind, id))`
	s.upsert = `INSERT INTO toplab_meta (kind, id, body, version, updated_ms) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, version = toplab_meta.version + 1, updated_ms = excluded.updated_ms`
	if mysql {
		ddl = strings.Replace(ddl, "body TEXT", "body MEDIUMTEXT", 1) + " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
		s.upsert = `INSERT INTO toplab_meta (kind, id, body, version, updated_ms) VALUES (?, ?, ?, 1, ?)
			ON DUPLICATE KEY UPDATE body = VALUES(body), version = version + 1, updated_ms = VALUES(updated_ms)`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sqlitefile.Exec(ctx, db, ddl); err != nil { // retries SQLITE_BUSY; MySQL never answers it
		db.Close()
		return nil, fmt.Errorf("meta: create table: %w", err)
	}
	return s, nil
}

// DB exposes the database handle, for tests and tools.
func (s *SQLStore) DB() *sql.DB { return s.db }

func (s *SQLStore) Get(ctx context.Context, kind Kind, id string) (Record, error) {
	r := Record{Kind: kind, ID: id}
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT body, version, updated_ms FROM toplab_meta WHERE kind = ? AND id = ?`, kind, id).
		Scan(&r.Body, &r.Version, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: %s %s", ErrNotFound, kind, id)
	}
	if err != nil {
		return r, fmt.Errorf("meta: get %s %s: %w", kind, id, err)
	}
	r.Updated = time.UnixMilli(ms)
	return r, nil
}

func (s *SQLStore) Put(ctx context.Context, kind Kind, id string, body []byte) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.upsert, kind, id, body, s.clock.Now().UnixMilli()); err != nil {
		return 0, fmt.Errorf("meta: put %s %s: %w", kind, id, err)
	}
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM toplab_meta WHERE kind = ? AND id = ?`, kind, id).Scan(&v); err != nil {
		return 0, err
	}
	return v, tx.Commit()
}

func (s *SQLStore) PutMany(ctx context.Context, recs []Record) error {
	for start := 0; start < len(recs); start += putManyBatch {
		batch := recs[start:min(start+putManyBatch, len(recs))]
		if err := s.putBatch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

func (s *SQLStore) putBatch(ctx context.Context, batch []Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.upsert)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := s.clock.Now().UnixMilli()
	for _, r := range batch {
		if _, err := stmt.ExecContext(ctx, r.Kind, r.ID, r.Body, now); err != nil {
			return fmt.Errorf("meta: put %s %s: %w", r.Kind, r.ID, err)
		}
	}
	return tx.Commit()
}

func (s *SQLStore) Delete(ctx context.Context, kind Kind, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM toplab_meta WHERE kind = ? AND id = ?`, kind, id)
	if err != nil {
		return fmt.Errorf("meta: delete %s %s: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s %s", ErrNotFound, kind, id)
	}
	return nil
}

func (s *SQLStore) List(ctx context.Context, kind Kind, after string, limit int) ([]Record, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, body, version, updated_ms FROM toplab_meta WHERE kind = ? AND id > ? ORDER BY id LIMIT ?`, kind, after, limit)
	if err != nil {
		return nil, fmt.Errorf("meta: list %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r := Record{Kind: kind}
		var ms int64
		if err := rows.Scan(&r.ID, &r.Body, &r.Version, &ms); err != nil {
			return nil, err
		}
		r.Updated = time.UnixMilli(ms)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *SQLStore) Close() error { return s.db.Close() }
