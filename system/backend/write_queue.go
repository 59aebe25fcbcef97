package backend

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
)

// writeQueue group-commits the trade store's writes. Writers queue their
// operation; one of them (the leader) runs a batch of queued operations in
// one transaction, each inside its own savepoint, and commits once. So
// concurrent writers share the cost of BEGIN, COMMIT and the WAL pages, and
// an operation that fails rolls back alone. A write is still atomic: its
// order rows and change-log entries are committed together or not at all.
type writeQueue struct {
	max     int // operations per transaction; 1 disables grouping
	onBatch func(n int)
	mu      sync.Mutex
	pending []*writeOp
	leading bool
}

// writeOp is one queued operation.
type writeOp struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	err  error
	done chan bool // true: done, err set; false: lead the next batch
}

// write runs fn in a write transaction, possibly shared with other writers'
// operations. fn must do all its writing through tx with the context it is
// given (never cancelled: interrupting a statement would make SQLite roll
// back the whole shared transaction); it sees the effects of operations
// batched before it. When write returns nil, fn's writes are committed;
// otherwise none of them are. A ctx that ends before the operation's turn
// skips it; once running, it completes.
func (s *tradeStore) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := s.open(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan bool, 1)}
	q := &s.writes
	q.mu.Lock()
	q.pending = append(q.pending, op)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	if !lead && <-op.done {
		return op.err // another leader ran it
	}
	// Lead: run one batch (ours is in it: the queue is FIFO and we are its
	// head), then hand leadership to the next waiter, if any. Yielding first
	// lets the writers just woken by the previous batch queue up behind us.
	if q.max > 1 {
		runtime.Gosched()
	}
	q.mu.Lock()
	n := min(len(q.pending), max(q.max, 1))
	batch := q.pending[:n:n]
	q.pending = q.pending[n:]
	q.mu.Unlock()
	if q.onBatch != nil {
		q.onBatch(n)
	}
	s.runBatch(batch)
	q.mu.Lock()
	if len(q.pending) > 0 {
		q.pending[0].done <- false
	} else {
		q.leading = false
	}
	q.mu.Unlock()
	for _, o := range batch[1:] {
		o.done <- true
	}
	return batch[0].err
}

// runBatch runs ops in one transaction and sets each op's err.
func (s *tradeStore) runBatch(ops []*writeOp) {
	// The transaction outlives any one caller's cancellation: it carries
	// other callers' writes. A caller cancelled before its turn is skipped.
	ctx := context.WithoutCancel(ops[0].ctx)
	fail := func(err error) {
		for _, o := range ops {
			if o.err == nil {
				o.err = err
			}
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	ran := 0
	for _, o := range ops {
		if o.err = o.ctx.Err(); o.err != nil {
			continue
		}
		if len(ops) == 1 { // the transaction is the savepoint
			o.err = o.call(ctx, tx)
		} else if err := s.inSavepoint(ctx, tx, o); err != nil {
			// An operation could not be undone alone: undo everything.
			_ = tx.Rollback()
			fail(err)
			return
		}
		if o.err == nil {
			ran++
		}
	}
	if ran == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// inSavepoint runs o so that its failure (o.err) undoes only its own
// writes. An error returned means the savepoint itself failed and the
// transaction's state is unknown.
func (s *tradeStore) inSavepoint(ctx context.Context, tx *sql.Tx, o *writeOp) error {
	if _, err := tx.StmtContext(ctx, s.savepoint).ExecContext(ctx); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if o.err = o.call(ctx, tx); o.err != nil {
		if _, err := tx.StmtContext(ctx, s.rollbackTo).ExecContext(ctx); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", err)
		}
	}
	if _, err := tx.StmtContext(ctx, s.release).ExecContext(ctx); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// call runs the operation, turning a panic into its error: a bug in one
// write must not leave the queue without a leader, wedging every writer.
func (o *writeOp) call(ctx context.Context, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write operation panicked: %v", p)
		}
	}()
	return o.fn(ctx, tx)
}
