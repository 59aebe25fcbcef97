package coord

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/sqlitefile"
)

// SQLiteOptions tune the SQLite coordinator; the zero value is the default.
type SQLiteOptions struct {
	Clock clock.Clock
	// PollInterval is how often subscribers look for new notices (default
	// 100 ms: a change reaches every node well within a second).
	PollInterval time.Duration
	// Retention is how long notices are kept (default 1 h).
	Retention time.Duration
	Logger    *slog.Logger
}

// SQLite coordinates the processes that share one SQLite file.
type SQLite struct {
	db   *sql.DB
	opt  SQLiteOptions
	done chan struct{} // closed by Close: subscribers stop
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

var _ Coord = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the coordination file at path.
func OpenSQLite(path string, opt SQLiteOptions) (*SQLite, error) {
	opt.Clock = clock.Or(opt.Clock)
	if opt.PollInterval <= 0 {
		opt.PollInterval = 100 * time.Millisecond
	}
	if opt.Retention <= 0 {
		opt.Retention = time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	db, err := sqlitefile.Open(path, 4)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sqlitefile.Exec(ctx, db,
		`CREATE TABLE IF NOT EXISTS coord_notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB, created_ms INTEGER NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS coord_notices_topic ON coord_notices (topic, seq)`,
		`CREATE TABLE IF NOT EXISTS coord_members (grp TEXT NOT NULL, member TEXT NOT NULL, info BLOB, expires_ms INTEGER NOT NULL, PRIMARY KEY (grp, member))`,
		`CREATE TABLE IF NOT EXISTS coord_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms INTEGER NOT NULL)`,
	); err != nil {
		db.Close()
		return nil, fmt.Errorf("coord: create tables: %w", err)
	}
	return &SQLite{db: db, opt: opt, done: make(chan struct{})}, nil
}

func (s *SQLite) now() int64 { return s.opt.Clock.Now().UnixMilli() }

func (s *SQLite) Publish(ctx context.Context, topic string, payload []byte) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO coord_notices (topic, payload, created_ms) VALUES (?, ?, ?)`, topic, payload, now); err != nil {
		return fmt.Errorf("coord: publish %s: %w", topic, err)
	}
	// Pruning rides on publishing: no extra goroutine, bounded growth.
	_, err := s.db.ExecContext(ctx, `DELETE FROM coord_notices WHERE created_ms < ?`, now-s.opt.Retention.Milliseconds())
	return err
}

func (s *SQLite) Subscribe(ctx context.Context, topic string, fn func(Notice)) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	var last int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM coord_notices`).Scan(&last); err != nil {
		return fmt.Errorf("coord: subscribe %s: %w", topic, err)
	}
	tick := s.opt.Clock.NewTicker(s.opt.PollInterval)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-tick.C():
			}
			var err error
			if last, err = s.deliver(ctx, topic, last, fn); err != nil && ctx.Err() == nil && !s.isClosed() {
				s.opt.Logger.Warn("coord: poll notices", "topic", topic, "err", err)
			}
		}
	}()
	return nil
}

// deliver hands fn the notices of topic after seq and returns the last seq seen.
func (s *SQLite) deliver(ctx context.Context, topic string, after int64, fn func(Notice)) (int64, error) {
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT seq, payload, created_ms FROM coord_notices WHERE topic = ? AND seq > ? ORDER BY seq LIMIT 1000`, topic, after)
		if err != nil {
			return after, err
		}
		var batch []Notice
		for rows.Next() {
			n := Notice{Topic: topic}
			var ms int64
			if err := rows.Scan(&n.Seq, &n.Payload, &ms); err != nil {
				rows.Close()
				return after, err
			}
			n.Time = time.UnixMilli(ms)
			batch = append(batch, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return after, err
		}
		for _, n := range batch {
			fn(n)
			after = n.Seq
		}
		if len(batch) < 1000 {
			return after, nil
		}
	}
}

func (s *SQLite) Heartbeat(ctx context.Context, group, member string, info []byte, ttl time.Duration) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO coord_members (grp, member, info, expires_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (grp, member) DO UPDATE SET info = excluded.info, expires_ms = excluded.expires_ms`,
		group, member, info, s.now()+ttl.Milliseconds())
	if err != nil {
		return fmt.Errorf("coord: heartbeat %s/%s: %w", group, member, err)
	}
	return nil
}

func (s *SQLite) Leave(ctx context.Context, group, member string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM coord_members WHERE grp = ? AND member = ?`, group, member)
	return err
}

func (s *SQLite) Members(ctx context.Context, group string) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT member, info, expires_ms FROM coord_members WHERE grp = ? AND expires_ms > ? ORDER BY member`, group, s.now())
	if err != nil {
		return nil, fmt.Errorf("coord: members of %s: %w", group, err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var ms int64
		if err := rows.Scan(&m.ID, &m.Info, &ms); err != nil {
			return nil, err
		}
		m.Expires = time.UnixMilli(ms)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *SQLite) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now()
	// One statement: insert, or take over when expired or already ours.
	res, err := s.db.ExecContext(ctx, `INSERT INTO coord_leases (name, holder, expires_ms) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
		WHERE coord_leases.holder = excluded.holder OR coord_leases.expires_ms <= ?`,
		name, holder, now+ttl.Milliseconds(), now)
	if err != nil {
		return false, fmt.Errorf("coord: acquire %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *SQLite) Release(ctx context.Context, name, holder string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM coord_leases WHERE name = ? AND holder = ?`, name, holder)
	return err
}

func (s *SQLite) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops the subscribers and closes the file.
func (s *SQLite) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	return s.db.Close()
}
