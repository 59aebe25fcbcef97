package sellerdb

import (
	"fmt"
	"strings"
)

// dialect holds the SQL of one driver, built once at Open.
type dialect struct {
	schema []string // CREATE statements, idempotent

	update       string // guarded: WHERE tid=? AND modified<?
	repairUpdate string // guarded: WHERE tid=? AND modified<=?
	insert       string // guarded insert: changes an existing row only when modified is older
	repairInsert string // guarded insert: also rewrites a row at equal modified
	selectRow    string // select-update mode's read

	versions   string
	scanPage   string
	cleanup    string // deletes at most ? marked rows older than ?
	markPrefix string // followed by the tid list and ")"
}

// writeColumns are the columns a write sets, in parameter order; tid comes
// first and jdp_created (insert only) before jdp_modified.
var updateColumns = []string{"status", "type", "seller_nick", "buyer_nick", "created", "modified", "jdp_hashcode", "jdp_response", "jdp_modified"}

const insertColumns = "tid, status, type, seller_nick, buyer_nick, created, modified, jdp_hashcode, jdp_response, jdp_created, jdp_modified, jdp_delete"

const insertValues = "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"

// The four indexes of the original design, by their JDP names.
var indexes = [][2]string{
	{"ind_jdp_tb_trade_seller_nick_jdp_modified", "seller_nick, jdp_modified"},
	{"ind_jdp_tb_trade_jdp_modified", "jdp_modified"},
	{"ind_jdp_tb_trade_seller_nick_modified", "seller_nick, modified"},
	{"ind_jdp_tb_trade_modified", "modified"},
}

// updateSQL builds the guarded UPDATE; op is "<" or "<=", hint goes after
// the table name.
func updateSQL(op, hint string) string {
	sets := make([]string, 0, len(updateColumns)+1)
	for _, c := range updateColumns {
		sets = append(sets, c+" = ?")
	}
	sets = append(sets, "jdp_delete = 0") // a newer version revives a logically deleted row
	return "UPDATE jdp_tb_trade" + hint + " SET " + strings.Join(sets, ", ") + " WHERE tid = ? AND modified " + op + " ?"
}

func sqliteDialect() dialect {
	schema := []string{`CREATE TABLE IF NOT EXISTS jdp_tb_trade (
		tid INTEGER PRIMARY KEY,
		status TEXT,
		type TEXT,
		seller_nick TEXT,
		buyer_nick TEXT,
		created TEXT,
		modified TEXT NOT NULL,
		jdp_hashcode TEXT,
		jdp_response TEXT,
		jdp_created TEXT,
		jdp_modified TEXT,
		jdp_delete INTEGER NOT NULL DEFAULT 0)`}
	for _, ix := range indexes {
		schema = append(schema, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON jdp_tb_trade (%s)", ix[0], ix[1]))
	}
	insert := func(op string) string {
		sets := make([]string, 0, len(updateColumns)+1)
		for _, c := range updateColumns {
			sets = append(sets, c+" = excluded."+c)
		}
		sets = append(sets, "jdp_delete = 0")
		return "INSERT INTO jdp_tb_trade (" + insertColumns + ") " + insertValues +
			" ON CONFLICT (tid) DO UPDATE SET " + strings.Join(sets, ", ") +
			" WHERE excluded.modified " + op + " jdp_tb_trade.modified"
	}
	return dialect{
		schema:       schema,
		update:       updateSQL("<", ""),
		repairUpdate: updateSQL("<=", ""),
		insert:       insert(">"),
		repairInsert: insert(">="),
		selectRow:    "SELECT modified, jdp_hashcode FROM jdp_tb_trade WHERE tid = ?",
		versions: "SELECT tid, modified, jdp_hashcode, status, jdp_delete FROM jdp_tb_trade" +
			" WHERE seller_nick = ? AND modified BETWEEN ? AND ? ORDER BY modified, tid",
		scanPage: "SELECT " + rowColumns + " FROM jdp_tb_trade WHERE tid > ? ORDER BY tid LIMIT ?",
		// SQLite builds rarely enable DELETE ... LIMIT: select the batch by rowid.
		cleanup: "DELETE FROM jdp_tb_trade WHERE tid IN (SELECT tid FROM jdp_tb_trade" +
			" WHERE jdp_delete = 1 AND jdp_modified < ? ORDER BY jdp_modified LIMIT ?)",
		markPrefix: "UPDATE jdp_tb_trade SET jdp_delete = 1, jdp_modified = ? WHERE jdp_delete = 0 AND tid IN (",
	}
}

func mysqlDialect() dialect {
	var b strings.Builder
	b.WriteString(`CREATE TABLE IF NOT EXISTS jdp_tb_trade (
		tid BIGINT NOT NULL PRIMARY KEY,
		status VARCHAR(64),
		type VARCHAR(64),
		seller_nick VARCHAR(64),
		buyer_nick VARCHAR(64),
		created DATETIME,
		modified DATETIME NOT NULL,
		jdp_hashcode VARCHAR(128),
		jdp_response MEDIUMTEXT,
		jdp_created DATETIME,
		jdp_modified DATETIME,
		jdp_delete TINYINT NOT NULL DEFAULT 0`)
	for _, ix := range indexes {
		fmt.Fprintf(&b, ",\n\t\tKEY %s (%s)", ix[0], ix[1])
	}
	// utf8mb4_bin: nicks compare exactly, as the platform's do.
	b.WriteString(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
	insert := func(op string) string {
		// Assignments run left to right and each sees the columns already
		// assigned, so the guard column modified must be assigned last.
		guard := "modified " + op + " VALUES(modified)"
		sets := make([]string, 0, len(updateColumns)+1)
		for _, c := range updateColumns {
			if c != "modified" {
				sets = append(sets, fmt.Sprintf("%s = IF(%s, VALUES(%s), %s)", c, guard, c, c))
			}
		}
		sets = append(sets, fmt.Sprintf("jdp_delete = IF(%s, 0, jdp_delete)", guard))
		sets = append(sets, fmt.Sprintf("modified = IF(%s, VALUES(modified), modified)", guard))
		return "INSERT INTO jdp_tb_trade (" + insertColumns + ") " + insertValues +
			" ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	}
	return dialect{
		schema:       []string{b.String()},
		update:       updateSQL("<", forcePrimary),
		repairUpdate: updateSQL("<=", forcePrimary),
		insert:       insert("<"),
		repairInsert: insert("<="),
		selectRow:    "SELECT modified, jdp_hashcode FROM jdp_tb_trade WHERE tid = ?",
		versions: "SELECT tid, modified, jdp_hashcode, status, jdp_delete FROM jdp_tb_trade" +
			" WHERE seller_nick = ? AND modified BETWEEN ? AND ? ORDER BY modified, tid",
		scanPage:   "SELECT " + rowColumns + " FROM jdp_tb_trade WHERE tid > ? ORDER BY tid LIMIT ?",
		cleanup:    "DELETE FROM jdp_tb_trade WHERE jdp_delete = 1 AND jdp_modified < ? ORDER BY jdp_modified LIMIT ?",
		markPrefix: "UPDATE jdp_tb_trade" + forcePrimary + " SET jdp_delete = 1, jdp_modified = ? WHERE jdp_delete = 0 AND tid IN (",
	}
}

// forcePrimary pins MySQL's guarded statements to the primary key. For a
// stale doc (modified older than every row) the optimizer otherwise finds
// the (modified) index as cheap as the key and reads through it, locking the
// index entry before the row: the reverse of a writer that came in by the
// key, and a deadlock between two writers of the same sorted batch.
const forcePrimary = " FORCE INDEX (PRIMARY)"

// rowColumns are what Scan reads.
const rowColumns = "tid, status, type, seller_nick, buyer_nick, created, modified, jdp_hashcode, jdp_created, jdp_modified, jdp_delete"
