/*
 * The one thin interface to SQL (STYLE.md 9).  The same statements run on
 * SQLite and PostgreSQL: '?' placeholders (translated to $n for libpq),
 * RETURNING, ON CONFLICT, and every time and date stored as text
 * (DESIGN.md "Storage").  Engine differences live only in db_sqlite.c and
 * db_pg.c behind struct db_ops.
 *
 * A struct db is one connection, used by one thread at a time.  Prepared
 * statements are cached on the connection by their SQL text: db_prepare()
 * with the same text gives the same statement back, reset and unbound, so a
 * statement must not be prepared again while its rows are being read.
 */
#ifndef ANJU_STORE_DB_H
#define ANJU_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum db_engine {
	DB_SQLITE,
	DB_POSTGRES,
};

enum {
	DB_DONE = 0, /* db_step: no (more) rows */
	DB_ROW = 1,  /* db_step: a row is ready */
};

struct db;
struct db_stmt;

/* Opens url: "sqlite:PATH" (WAL, synchronous=FULL, foreign_keys=ON, busy
 * timeout) or "postgresql://..." / "postgres://...".  0 or ANJU_EDB/ANJU_EINVAL
 * with details in e. */
int db_open(const char *url, struct db **out, struct anju_err *e);
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);
const char *db_engine_name(const struct db *db); /* "sqlite" or "postgresql" */
/* The last error message of this connection ("" if none); lent. */
const char *db_errmsg(const struct db *db);

/* Runs one or more statements without parameters (DDL, PRAGMA).  Tokens of
 * db_dialect() are substituted first.  0 or ANJU_EDB. */
int db_exec(struct db *db, const char *sql);

/* Replaces the dialect tokens of a migration with the engine's own text:
 *   {{ID}}      an auto-increment int64 primary key
 *   {{TEXT_C}}  text compared byte by byte (SQLite's BINARY, PostgreSQL's "C"
 *               collation), so that a range name >= 'x' AND name < 'x\U0010FFFF'
 *               is exactly the names starting with x, and uses an index
 *   {{NOW}}     the current instant as a quoted text literal, in the stored
 *               format ('2026-11-28T07:03:11.123456Z')
 * Returns a new string the caller frees. */
char *db_dialect(const struct db *db, const char *sql);

/* Puts this connection's page cache back at the size it was opened with,
 * after a long job raised it (SQLite: about 1/64 of the database file,
 * between SQLite's default 2 MB and 64 MiB, so that every B-tree's inner
 * pages stay in memory; nothing on PostgreSQL, whose cache is the server's). */
void db_cache_reset(struct db *db);

/* A statement for sql (cached; see above).  0 or ANJU_EDB. */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Parameters are numbered from 1.  Text is copied. */
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_text(struct db_stmt *st, int i, const char *s, size_t n);
void db_bind_cstr(struct db_stmt *st, int i, const char *s); /* NULL binds NULL */
/* As db_bind_cstr, but not copied: s must stay as it is until the statement
 * is reset.  For the many rows of a multi-row insert, where copying each
 * row's repeated texts costs more than inserting them. */
void db_bind_static(struct db_stmt *st, int i, const char *s);
void db_bind_null(struct db_stmt *st, int i);
/* Runs the statement or moves to its next row: DB_ROW, DB_DONE, or a negative
 * code: ANJU_ECONFLICT for a unique or foreign-key violation, ANJU_EBUSY when
 * the database stayed locked, ANJU_EDB otherwise (db_errmsg() says why). */
int db_step(struct db_stmt *st);
/* Columns are numbered from 0 and valid until the next db_step/db_reset. */
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_int64(struct db_stmt *st, int col);    /* NULL reads as 0 */
const char *db_col_text(struct db_stmt *st, int col); /* NULL reads as NULL */
size_t db_col_len(struct db_stmt *st, int col);
int db_col_count(struct db_stmt *st);
const char *db_col_name(struct db_stmt *st, int col);
/* Rows changed by the last completed INSERT/UPDATE/DELETE of st. */
int64_t db_changes(struct db_stmt *st);
/* Ends the current execution; bindings are cleared.  Always safe. */
void db_reset(struct db_stmt *st);

/* Fills e for a failed storage call rc (ANJU_EBUSY stays busy: a 503 the
 * client may retry; anything else is ANJU_EDB with db_errmsg()) and returns
 * the code put in e. */
int db_fail(struct db *db, int rc, struct anju_err *e);

/* Transactions, not nested.  db_begin takes the write lock at once on SQLite
 * (BEGIN IMMEDIATE); db_begin_snapshot starts a read-only transaction that
 * sees one consistent snapshot (REPEATABLE READ on PostgreSQL). */
int db_begin(struct db *db);
int db_begin_snapshot(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db); /* no-op outside a transaction */
bool db_in_tx(const struct db *db);

/* Takes a lock held until the current transaction ends, shared by every
 * process on the same database (migrations, schedule claims).  On SQLite
 * BEGIN IMMEDIATE already excludes other writers. */
int db_tx_lock(struct db *db, int64_t key);

/* The names of anju's tables (not the engine's own), sorted; *n set.  The
 * array and strings are one allocation the caller frees with free(). */
int db_tables(struct db *db, char ***names, size_t *n);

/* Whether s may stand in SQL as a table or column name ([a-z_][a-z0-9_]*, at
 * most 63 characters): the one check before a name, which cannot be bound,
 * is quoted into SQL text. */
bool db_identifier_ok(const char *s);

/* After rows with explicit ids were inserted into table (restore), makes its
 * id sequence continue after the largest id.  No-op on SQLite. */
int db_sync_id_sequence(struct db *db, const char *table);

/* One column of a table, as db_table_describe() reports it. */
struct db_column {
	const char *name;
	bool integer; /* an integer type (on SQLite: INTEGER affinity) */
	int pk;       /* position in the primary key from 1, or 0 */
	bool serial;  /* filled by a sequence: db_sync_id_sequence() applies */
};

struct db_table_desc {
	struct db_column *cols; /* in the table's order */
	size_t ncol;
	const char **refs; /* tables its foreign keys reference, itself left out, sorted */
	size_t nref;
};

struct arena;

/* Describes table (a name as db_tables() gives) for code that must handle
 * any table (backup): its columns and the tables it references.  Everything
 * is allocated from a.  0, ANJU_ENOTFOUND (no such table), ANJU_EINVAL (a
 * name no anju table can have) or ANJU_EDB. */
int db_table_describe(struct db *db, const char *table, struct arena *a, struct db_table_desc *out);

/*
 * One connection per thread: db_pool_init() records the URL once, db_thread()
 * opens this thread's connection on first use (and re-opens a broken
 * PostgreSQL one); it is closed when the thread exits or at db_pool_close().
 */
int db_pool_init(const char *url, struct anju_err *e);
struct db *db_thread(struct anju_err *e);
void db_pool_close(void);

#endif
