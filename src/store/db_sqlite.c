/*
 * The SQLite engine behind db.h: the embedded default (DESIGN.md "Storage").
 *
 * A connection belongs to one thread at a time (the pool gives each thread
 * its own), so it is opened SQLITE_OPEN_NOMUTEX and SQLite's own mutexes are
 * not paid for.  Every connection runs in WAL mode with synchronous=FULL (a
 * committed payment survives a power cut), foreign keys enforced, and a busy
 * timeout so that writers queue instead of failing at once.
 *
 * Transactions: db_begin is BEGIN IMMEDIATE, which takes the write lock up
 * front; a deferred transaction that reads and then writes would instead fail
 * with SQLITE_BUSY_SNAPSHOT whenever another connection wrote in between.
 * db_begin_snapshot is a plain BEGIN: in WAL mode SQLite takes the snapshot at
 * the transaction's first read and keeps it to the end, which is exactly the
 * consistent read that PostgreSQL's REPEATABLE READ gives.  db_tx_lock needs
 * nothing more, since BEGIN IMMEDIATE already excludes every other writer.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/db_impl.h"

#define BUSY_TIMEOUT_MS 10000

struct sq_stmt {
	struct db_stmt base; /* first: db.c sees only this */
	sqlite3_stmt *h;
	int64_t total_before; /* sqlite3_total_changes64() when the execution began */
	/* An "INSERT INTO t (...) VALUES (...) RETURNING id" prepared without its
	 * RETURNING (see returning_id()): the row it would give, made up. */
	bool returning_id;
	int row;    /* 0: not run yet, 1: on the made-up row, 2: past it */
	int64_t id; /* the row's id */
	char id_text[24];
};

static sqlite3 *
sq(const struct db *db)
{
	return db->engine;
}

static sqlite3_stmt *
sq_h(struct db_stmt *st)
{
	return ((struct sq_stmt *)st)->h;
}

/* Extended result codes are on, so constraint kinds can be told apart. */
static int
sq_code(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_ROWID:
	case SQLITE_CONSTRAINT_FOREIGNKEY: return ANJU_ECONFLICT;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return ANJU_EBUSY;
	}
	return ANJU_EDB;
}

static int
sq_fail(struct db *db, int rc)
{
	return db_set_error(db, sq_code(rc), "%s", sqlite3_errmsg(sq(db)));
}

static int
sq_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc, code;

	rc = sqlite3_exec(sq(db), sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	code = db_set_error(db, sq_code(rc), "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return code;
}

/* The first column of the first row of a PRAGMA, into out. */
static int
sq_pragma(sqlite3 *h, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto out;
	v = sqlite3_column_text(st, 0);
	snprintf(out, n, "%s", v ? (const char *)v : "");
	rc = SQLITE_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Once per process, before SQLite initialises itself: no memory statistics.
 * Keeping them takes one process-wide mutex on every allocation SQLite
 * makes, which the server's pool threads then queue on.
 */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

static void
sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * The page cache of a connection, in KiB: about 1/64 of the database file,
 * which holds every B-tree's inner pages (a table or index page points to a
 * hundred or more below it) and some leaves, so that a look-up reads only
 * its leaf from the operating system.  SQLite's default (2,000 KiB) is the
 * floor: the pilot's database is far smaller than that times 64, and its
 * server stays as small as before.  64 MiB is the ceiling, per connection.
 */
#define CACHE_MIN_KIB 2000
#define CACHE_MAX_KIB (64 * 1024)

static void
sq_cache_reset(struct db *db)
{
	const char *path = sqlite3_db_filename(db->engine, "main");
	struct stat st;
	int64_t kib = CACHE_MIN_KIB;
	char pragma[48];

	if (path != NULL && path[0] != '\0' && stat(path, &st) == 0)
		kib = (int64_t)st.st_size / 64 / 1024;
	if (kib < CACHE_MIN_KIB)
		kib = CACHE_MIN_KIB;
	if (kib > CACHE_MAX_KIB)
		kib = CACHE_MAX_KIB;
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%lld", (long long)kib);
	sqlite3_exec(db->engine, pragma, NULL, NULL, NULL);
}

static int
sq_open(struct db *db, const char *path, struct anju_err *e)
{
	sqlite3 *h = NULL;
	char v[32];
	int rc;

	pthread_once(&sq_once, sq_configure);
	rc = sqlite3_open_v2(
		path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL, "sqlite %s: %s", path,
			       h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(h, 1);
	/* Set before the journal_mode change, which itself needs a lock. */
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	rc = sq_pragma(h, "PRAGMA journal_mode=WAL", v, sizeof(v));
	if (rc != SQLITE_OK) {
		rc = anju_fail(e, sq_code(rc) == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, "db_open",
			       NULL, "sqlite %s: %s", path, sqlite3_errmsg(h));
		goto out;
	}
	/* WAL is what lets readers run beside the writer; refuse a file system
	 * that cannot have it rather than run slowly and lock readers out.  An
	 * in-memory database (tests) reports "memory". */
	if (strcmp(v, "wal") != 0 && strcmp(path, ":memory:") != 0) {
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL,
			       "sqlite %s: journal_mode is %s, not wal", path, v);
		goto out;
	}
	rc = sqlite3_exec(h, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sq_pragma(h, "PRAGMA foreign_keys", v, sizeof(v));
	if (rc != SQLITE_OK || strcmp(v, "1") != 0) {
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL,
			       "sqlite %s: cannot enforce foreign keys", path);
		goto out;
	}
	db->engine = h;
	h = NULL;
	sq_cache_reset(db);
	rc = 0;
out:
	sqlite3_close_v2(h);
	return rc;
}

static void
sq_close(struct db *db)
{
	sqlite3_close_v2(sq(db));
	db->engine = NULL;
}

/* Skips white space, semicolons and comments: what may follow the one
 * statement db_prepare takes. */
static const char *
skip_blank(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p = strchr(p, '\n');
			if (p == NULL)
				return "";
		} else if (p[0] == '/' && p[1] == '*') {
			p = strstr(p + 2, "*/");
			if (p == NULL)
				return "";
			p += 2;
		} else {
			return p;
		}
	}
}

/* The end of the parenthesised list that starts at p ('('), skipping quoted
 * text; NULL when it does not end. */
static const char *
close_paren(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);

			if (q == NULL)
				return NULL;
			p = q;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			return p;
		}
	}
	return NULL;
}

/*
 * SQLite runs RETURNING through an ephemeral table and, since the statement
 * then counts as several writes, with a statement journal: a copy of every
 * page the INSERT changes, per execution (a bulk import makes millions).
 * One row inserted into a table whose id is its rowid (an AUTOINCREMENT
 * INTEGER PRIMARY KEY, which {{ID}} is) needs neither: its id is
 * sqlite3_last_insert_rowid() once the INSERT is done.  So the exact shape
 * "INSERT INTO t (cols) VALUES (one row) RETURNING id" is prepared without
 * its RETURNING, and sq_step() makes up the row RETURNING would give.
 * Anything else (ON CONFLICT, OR REPLACE, a SELECT, several rows, another
 * table) is left to SQLite.  Returns the length of the SQL to prepare, or 0.
 */
static size_t
returning_id(sqlite3 *h, const char *sql)
{
	static const char head[] = "INSERT INTO ", tail[] = " RETURNING id";
	char table[64];
	const char *p = sql + sizeof(head) - 1, *end;
	const char *type = NULL;
	int pk = 0, autoinc = 0;
	size_t n = 0;

	if (strncmp(sql, head, sizeof(head) - 1) != 0)
		return 0;
	while (n < sizeof(table) - 1 &&
	       ((*p >= 'a' && *p <= 'z') || *p == '_' || (n > 0 && *p >= '0' && *p <= '9')))
		table[n++] = *p++;
	table[n] = '\0';
	if (n == 0 || strncmp(p, " (", 2) != 0 || (end = close_paren(p + 1)) == NULL ||
	    strncmp(end, ") VALUES (", 10) != 0 || (end = close_paren(end + 9)) == NULL ||
	    strcmp(end + 1, tail) != 0)
		return 0;
	if (sqlite3_table_column_metadata(h, "main", table, "id", &type, NULL, NULL, &pk,
					  &autoinc) != SQLITE_OK ||
	    !pk || !autoinc || type == NULL || sqlite3_stricmp(type, "INTEGER") != 0)
		return 0;
	return (size_t)(end + 1 - sql);
}

static int
sq_stmt_new(struct db *db, const char *sql, struct db_stmt **out)
{
	sqlite3_stmt *h = NULL;
	struct sq_stmt *st;
	const char *tail = NULL;
	size_t insert_len = returning_id(sq(db), sql);
	int rc;

	/* PERSISTENT: the statement lives as long as the connection's cache. */
	if (insert_len > 0) {
		rc = sqlite3_prepare_v3(sq(db), sql, (int)insert_len, SQLITE_PREPARE_PERSISTENT, &h,
					&tail);
		tail = NULL;
	} else {
		rc = sqlite3_prepare_v3(sq(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &h, &tail);
	}
	if (rc != SQLITE_OK) {
		rc = sq_fail(db, rc);
		goto out;
	}
	if (h == NULL) {
		rc = db_set_error(db, ANJU_EDB, "no SQL statement in the text");
		goto out;
	}
	/* PostgreSQL refuses several statements in one prepared statement; here
	 * the rest would be silently ignored, so refuse it too. */
	if (tail != NULL && *skip_blank(tail) != '\0') {
		rc = db_set_error(db, ANJU_EDB, "db_prepare takes one statement");
		goto out;
	}
	st = xcalloc(1, sizeof(*st));
	st->h = h;
	st->returning_id = insert_len > 0;
	h = NULL;
	*out = &st->base;
	rc = 0;
out:
	sqlite3_finalize(h);
	return rc;
}

static void
sq_stmt_free(struct db_stmt *st)
{
	sqlite3_finalize(sq_h(st));
	free(st);
}

static void
sq_bind_check(struct db_stmt *st, int i, int rc)
{
	if (rc != SQLITE_OK && st->bind_rc == 0)
		st->bind_rc = db_set_error(st->db, ANJU_EDB, "bind parameter %d: %s", i,
					   sqlite3_errstr(rc));
}

static void
sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sq_bind_check(st, i, sqlite3_bind_int64(sq_h(st), i, v));
}

static void
sq_bind_text(struct db_stmt *st, int i, const char *s, size_t n)
{
	/* TRANSIENT: SQLite copies, so the caller's buffer may go at once. */
	sq_bind_check(st, i, sqlite3_bind_text64(sq_h(st), i, s, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static void
sq_bind_static(struct db_stmt *st, int i, const char *s)
{
	sq_bind_check(st, i,
		      sqlite3_bind_text64(sq_h(st), i, s, strlen(s), SQLITE_STATIC, SQLITE_UTF8));
}

static void
sq_bind_null(struct db_stmt *st, int i)
{
	sq_bind_check(st, i, sqlite3_bind_null(sq_h(st), i));
}

static int
sq_step(struct db_stmt *base)
{
	struct sq_stmt *st = (struct sq_stmt *)base;
	sqlite3 *h = sq(base->db);
	int rc, code;

	if (st->returning_id && st->row > 0) {
		st->row = 2;
		return DB_DONE;
	}
	if (!sqlite3_stmt_busy(st->h))
		st->total_before = sqlite3_total_changes64(h);
	rc = sqlite3_step(st->h);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		/* sqlite3_changes64() keeps the count of the last INSERT, UPDATE or
		 * DELETE of the connection, so a SELECT or DDL would report someone
		 * else's; the total moving is what says this statement wrote. */
		base->changes =
			sqlite3_total_changes64(h) != st->total_before ? sqlite3_changes64(h) : 0;
		if (st->returning_id && base->changes == 1) {
			st->row = 1;
			st->id = sqlite3_last_insert_rowid(h);
			snprintf(st->id_text, sizeof(st->id_text), "%lld", (long long)st->id);
			return DB_ROW;
		}
		return DB_DONE;
	}
	code = sq_fail(base->db, rc);
	/* Ready to run again; the bindings stay, as they would after DB_DONE. */
	sqlite3_reset(st->h);
	return code;
}

/* The made-up row of a returning_id() statement, or NULL. */
static struct sq_stmt *
made_up(struct db_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	return s->returning_id ? s : NULL;
}

static bool
sq_col_null(struct db_stmt *st, int col)
{
	struct sq_stmt *m = made_up(st);

	if (m != NULL)
		return m->row != 1 || col != 0;
	return sqlite3_column_type(sq_h(st), col) == SQLITE_NULL;
}

static int64_t
sq_col_int64(struct db_stmt *st, int col)
{
	struct sq_stmt *m = made_up(st);

	if (m != NULL)
		return m->row == 1 && col == 0 ? m->id : 0;
	return sqlite3_column_int64(sq_h(st), col);
}

static const char *
sq_col_text(struct db_stmt *st, int col)
{
	struct sq_stmt *m = made_up(st);

	if (m != NULL)
		return m->row == 1 && col == 0 ? m->id_text : NULL;
	return (const char *)sqlite3_column_text(sq_h(st), col);
}

static size_t
sq_col_len(struct db_stmt *st, int col)
{
	struct sq_stmt *m = made_up(st);

	if (m != NULL)
		return m->row == 1 && col == 0 ? strlen(m->id_text) : 0;
	/* Text first, then bytes: the order that gives the UTF-8 length. */
	sqlite3_column_text(sq_h(st), col);
	return (size_t)sqlite3_column_bytes(sq_h(st), col);
}

static int
sq_col_count(struct db_stmt *st)
{
	return made_up(st) != NULL ? 1 : sqlite3_column_count(sq_h(st));
}

static const char *
sq_col_name(struct db_stmt *st, int col)
{
	if (made_up(st) != NULL)
		return col == 0 ? "id" : NULL;
	return sqlite3_column_name(sq_h(st), col);
}

static void
sq_reset(struct db_stmt *st)
{
	((struct sq_stmt *)st)->row = 0;
	sqlite3_reset(sq_h(st));
	sqlite3_clear_bindings(sq_h(st));
}

static bool
sq_in_tx(const struct db *db)
{
	return sqlite3_get_autocommit(sq(db)) == 0;
}

static int
sq_begin(struct db *db, bool snapshot)
{
	/* A cached statement left on a row keeps its read transaction, and the
	 * old snapshot with it, until db_reset(): callers reset what they stop
	 * reading early, or BEGIN IMMEDIATE may meet SQLITE_BUSY_SNAPSHOT. */
	return sq_exec(db, snapshot ? "BEGIN" : "BEGIN IMMEDIATE");
}

static int
sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

static void
sq_rollback(struct db *db)
{
	char *msg = NULL;

	/* Some errors (disk full, I/O) roll back by themselves; then there is
	 * nothing left to do. */
	if (sqlite3_get_autocommit(sq(db)))
		return;
	sqlite3_exec(sq(db), "ROLLBACK", NULL, NULL, &msg);
	sqlite3_free(msg);
}

static int
sq_tx_lock(struct db *db, int64_t key)
{
	(void)db;
	(void)key;
	return 0;
}

static int
sq_sync_id_sequence(struct db *db, const char *table)
{
	/* AUTOINCREMENT already continues after the largest id ever inserted. */
	(void)db;
	(void)table;
	return 0;
}

static int
sq_revive(struct db *db)
{
	(void)db;
	return 0;
}

const struct db_ops db_sqlite_ops = {
	.engine = DB_SQLITE,
	.name = "sqlite",
	/* AUTOINCREMENT: an id is never reused after a delete, as on PostgreSQL. */
	.id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
	.text_c_type = "TEXT",
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
	/* INTEGER affinity is SQLite's own rule: a declared type containing
	 * "INT".  Only a lone INTEGER PRIMARY KEY (the rowid) is generated. */
	.columns_sql = "SELECT name, CASE WHEN type LIKE '%INT%' THEN 1 ELSE 0 END, pk,"
		       " CASE WHEN pk = 1 AND upper(type) = 'INTEGER' AND"
		       " (SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1"
		       " THEN 1 ELSE 0 END"
		       " FROM pragma_table_info(?1) ORDER BY cid",
	.references_sql = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.stmt_new = sq_stmt_new,
	.stmt_free = sq_stmt_free,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_static = sq_bind_static,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_null = sq_col_null,
	.col_int64 = sq_col_int64,
	.col_text = sq_col_text,
	.col_len = sq_col_len,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.reset = sq_reset,
	.in_tx = sq_in_tx,
	.cache_reset = sq_cache_reset,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.tx_lock = sq_tx_lock,
	.sync_id_sequence = sq_sync_id_sequence,
	.revive = sq_revive,
};
