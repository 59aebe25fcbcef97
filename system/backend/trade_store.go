package backend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// tradeStore is the trade centre's SQLite file: the orders, their change log
// (an outbox written in the same transaction as the order) and id counters.
//
// One writer connection serialises every write transaction, so commit order
// is sequence order: a consumer reading the log by cursor can never see seq
// n+1 before seq n is visible. Concurrent writes are group-committed (see
// writeQueue). Readers use their own pool; in WAL mode they never block the
// writer nor see a half-written transaction.
type tradeStore struct {
	w      *sql.DB
	r      *sql.DB
	closed atomic.Bool // after close, calls fail with ErrClosed, not a driver error
	writes writeQueue

	// Statements prepared once: parsing SQL was a fifth of a write's cost.
	load, exists, insert, update, allocate, reserve, appendChange *sql.Stmt // on w
	savepoint, release, rollbackTo                                *sql.Stmt // on w
	readDoc                                                       *sql.Stmt // on r
}

// prepare compiles the hot statements.
func (s *tradeStore) prepare() error {
	for _, p := range []struct {
		db   *sql.DB
		stmt **sql.Stmt
		sql  string
	}{
		{s.w, &s.load, `SELECT doc FROM trades WHERE tid = ?`},
		{s.w, &s.exists, `SELECT 1 FROM trades WHERE tid = ?`},
		{s.w, &s.insert, `INSERT INTO trades (tid, seller_nick, status, created, modified, doc) VALUES (?, ?, ?, ?, ?, ?)`},
		{s.w, &s.update, `UPDATE trades SET status = ?, modified = ?, doc = ? WHERE tid = ?`},
		{s.w, &s.allocate, `UPDATE counters SET value = value + ? WHERE name = ? RETURNING value`},
		{s.w, &s.reserve, `UPDATE counters SET value = max(value, ?) WHERE name = 'tid'`},
		{s.w, &s.appendChange, `INSERT INTO changes (topic, tid, oid, seller_nick, buyer_nick, payment, type, status, modified, time_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`},
		{s.w, &s.savepoint, `SAVEPOINT op`},
		{s.w, &s.release, `RELEASE op`},
		{s.w, &s.rollbackTo, `ROLLBACK TO op`},
		{s.r, &s.readDoc, `SELECT seller_nick, doc FROM trades WHERE tid = ?`},
	} {
		st, err := p.db.Prepare(p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = st
	}
	return nil
}

func (s *tradeStore) open() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

// tradeSchema: times are Unix seconds; doc is the order's full JSON version,
// exactly what taobao.trade.fullinfo.get returns with every field.
const tradeSchema = `
CREATE TABLE IF NOT EXISTS trades (
	tid         INTEGER PRIMARY KEY,
	seller_nick TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	created     INTEGER NOT NULL,
	modified    INTEGER NOT NULL,
	doc         BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_seller_created  ON trades (seller_nick, created, tid);
CREATE INDEX IF NOT EXISTS trades_seller_modified ON trades (seller_nick, modified, tid);
CREATE TABLE IF NOT EXISTS changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after deletes
	topic       TEXT    NOT NULL,
	tid         INTEGER NOT NULL,
	oid         INTEGER NOT NULL,
	seller_nick TEXT    NOT NULL,
	buyer_nick  TEXT    NOT NULL,
	payment     INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	modified    INTEGER NOT NULL,
	time_ms     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO counters (name, value) VALUES
	('tid', 3000000000000000), ('oid', 4000000000000000), ('refund', 5000000000000000);
`

func openTradeStore(dir string, readConns, writeBatch int, syncFull bool) (*tradeStore, error) {
	path := filepath.Join(dir, "trades.db")
	sync := "NORMAL" // in WAL mode: durable across a process crash, not a power cut
	if syncFull {
		sync = "FULL"
	}
	common := "_busy_timeout=10000&_journal_mode=WAL&_synchronous=" + sync
	w, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open trade store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if _, err := w.Exec(tradeSchema); err != nil {
		w.Close()
		return nil, fmt.Errorf("create trade schema in %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+common+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open trade store readers: %w", err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	if err := r.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open trade store readers: %w", err)
	}
	s := &tradeStore{w: w, r: r, writes: writeQueue{max: writeBatch}}
	if err := s.prepare(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *tradeStore) close() error {
	s.closed.Store(true)
	var errs []error
	for _, st := range []*sql.Stmt{s.load, s.exists, s.insert, s.update, s.allocate, s.reserve, s.appendChange, s.savepoint, s.release, s.rollbackTo, s.readDoc} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// allocate reserves n consecutive ids of counter and returns the first.
func (s *tradeStore) allocateIDs(ctx context.Context, tx *sql.Tx, counter string, n int64) (int64, error) {
	var last int64
	err := tx.StmtContext(ctx, s.allocate).QueryRowContext(ctx, n, counter).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("allocate %s id: %w", counter, err)
	}
	return last - n + 1, nil
}

// reserveTid keeps the tid counter past a caller-chosen tid.
func (s *tradeStore) reserveTid(ctx context.Context, tx *sql.Tx, tid int64) error {
	_, err := tx.StmtContext(ctx, s.reserve).ExecContext(ctx, tid)
	return err
}

func (s *tradeStore) tradeExists(ctx context.Context, tx *sql.Tx, tid int64) (bool, error) {
	var one int
	err := tx.StmtContext(ctx, s.exists).QueryRowContext(ctx, tid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *tradeStore) insertTrade(ctx context.Context, tx *sql.Tx, t *Trade, doc []byte) error {
	_, err := tx.StmtContext(ctx, s.insert).ExecContext(ctx, t.Tid, t.SellerNick, t.Status, int64(t.Created), int64(t.Modified), doc)
	if err != nil {
		return fmt.Errorf("insert trade %d: %w", t.Tid, err)
	}
	return nil
}

func (s *tradeStore) updateTrade(ctx context.Context, tx *sql.Tx, t *Trade, doc []byte) error {
	_, err := tx.StmtContext(ctx, s.update).ExecContext(ctx, t.Status, int64(t.Modified), doc, t.Tid)
	if err != nil {
		return fmt.Errorf("update trade %d: %w", t.Tid, err)
	}
	return nil
}

// loadTrade reads an order's doc inside a write transaction.
func (s *tradeStore) loadTrade(ctx context.Context, tx *sql.Tx, tid int64) ([]byte, error) {
	var doc []byte
	err := tx.StmtContext(ctx, s.load).QueryRowContext(ctx, tid).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("trade %d: %w", tid, ErrTradeNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load trade %d: %w", tid, err)
	}
	return doc, nil
}

// appendChange writes one change-log entry and returns its sequence number.
func (s *tradeStore) appendChangeEntry(ctx context.Context, tx *sql.Tx, c *Change) (int64, error) {
	var seq int64
	err := tx.StmtContext(ctx, s.appendChange).QueryRowContext(ctx, c.Topic, c.Content.Tid, c.Content.Oid, c.Content.SellerNick, c.Content.BuyerNick, int64(c.Content.Payment),
		c.Content.Type, c.Content.Status, int64(c.Modified), c.TimeMs).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("append change of trade %d: %w", c.Content.Tid, err)
	}
	return seq, nil
}

// withDoc calls fn with an order's seller and doc, valid only during fn
// (scanned without copying).
func (s *tradeStore) withDoc(ctx context.Context, tid int64, fn func(seller, doc []byte) error) error {
	if err := s.open(); err != nil {
		return err
	}
	rows, err := s.readDoc.QueryContext(ctx, tid)
	if err != nil {
		return fmt.Errorf("read trade %d: %w", tid, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read trade %d: %w", tid, err)
		}
		return fmt.Errorf("trade %d: %w", tid, ErrTradeNotFound)
	}
	var seller, doc sql.RawBytes
	if err := rows.Scan(&seller, &doc); err != nil {
		return fmt.Errorf("read trade %d: %w", tid, err)
	}
	return fn(seller, doc)
}

// tradeQuery selects a seller's orders by a time window on created or
// modified. Both ends are inclusive; zero means unbounded.
type tradeQuery struct {
	seller     string
	byModified bool // window and order on modified (ascending); else created (newest first)
	from, to   Timestamp
	statuses   []string
	page       page
	noCount    bool // use_has_next: skip COUNT(*), read one extra row instead
}

// listTrades calls fn for each order doc of the page (valid only during fn)
// and returns the total matching (-1 when noCount) and whether more follow.
// The count and the page come from one read transaction, so they agree.
func (s *tradeStore) listTrades(ctx context.Context, q tradeQuery, fn func(doc []byte)) (total int, hasNext bool, err error) {
	if err := s.open(); err != nil {
		return 0, false, err
	}
	col, order := "created", "created DESC, tid DESC"
	if q.byModified {
		col, order = "modified", "modified ASC, tid ASC"
	}
	var where strings.Builder
	args := []any{q.seller}
	where.WriteString(" WHERE seller_nick = ?")
	if q.from != 0 {
		where.WriteString(" AND " + col + " >= ?")
		args = append(args, int64(q.from))
	}
	if q.to != 0 {
		where.WriteString(" AND " + col + " <= ?")
		args = append(args, int64(q.to))
	}
	if len(q.statuses) > 0 {
		where.WriteString(" AND status IN (?" + strings.Repeat(", ?", len(q.statuses)-1) + ")")
		for _, st := range q.statuses {
			args = append(args, st)
		}
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, false, fmt.Errorf("list trades: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to commit
	total = -1
	if !q.noCount {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM trades"+where.String(), args...).Scan(&total); err != nil {
			return 0, false, fmt.Errorf("count trades: %w", err)
		}
		if q.page.offset() >= total {
			return total, false, nil
		}
	}
	limit := q.page.size
	if q.noCount {
		limit++
	}
	rows, err := tx.QueryContext(ctx, "SELECT doc FROM trades"+where.String()+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, limit, q.page.offset())...)
	if err != nil {
		return 0, false, fmt.Errorf("list trades: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > q.page.size {
			hasNext = true
			break
		}
		var doc sql.RawBytes
		if err := rows.Scan(&doc); err != nil {
			return 0, false, fmt.Errorf("list trades: %w", err)
		}
		fn(doc)
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("list trades: %w", err)
	}
	if !q.noCount {
		hasNext = q.page.offset()+q.page.size < total
	}
	return total, hasNext, nil
}

// changesAfter reads up to limit change-log entries with seq > after, in order.
func (s *tradeStore) changesAfter(ctx context.Context, after int64, limit int) ([]Change, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, topic, tid, oid, seller_nick, buyer_nick, payment, type, status, modified, time_ms
		FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var payment, modified int64
		if err := rows.Scan(&c.Seq, &c.Topic, &c.Content.Tid, &c.Content.Oid, &c.Content.SellerNick, &c.Content.BuyerNick,
			&payment, &c.Content.Type, &c.Content.Status, &modified, &c.TimeMs); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		c.Content.Payment, c.Modified = Money(payment), Timestamp(modified)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, nil
}

// lastSeq is the greatest committed sequence number (0 for an empty log).
func (s *tradeStore) lastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}
