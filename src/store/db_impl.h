/*
 * Private to src/store: the engine-neutral halves of struct db and struct
 * db_stmt, and struct db_ops, the table each engine (db_sqlite.c, db_pg.c)
 * fills.  db.c owns the URL dispatch, the statement cache, dialect tokens,
 * the thread pool and the checks common to both engines; an engine owns only
 * what differs.  Nothing outside src/store (and its unit test) includes this.
 */
#ifndef ANJU_STORE_DB_IMPL_H
#define ANJU_STORE_DB_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/*
 * An engine allocates its statement as a larger struct whose first member is
 * this one; db.c fills the fields below after ops->stmt_new() succeeded.
 */
struct db_stmt {
	struct db *db;
	struct db_stmt *next; /* chain in db's statement cache */
	char *sql;            /* the cache key: the text given to db_prepare() */
	const char *given;    /* the address that text last came at */
	uint32_t hash;
	int bind_rc;     /* a bind that failed, reported by the next db_step() */
	int64_t changes; /* set by the engine when an execution completes */
};

struct db {
	const struct db_ops *ops;
	void *engine;           /* sqlite3 *, or db_pg.c's struct pg */
	struct db_stmt **slots; /* statement cache, nslot a power of two */
	size_t nslot, nstmt;
	/* The statements last prepared, by the address of the text given: a
	 * text is most often a literal given again (db_prepare). */
	struct db_stmt *recent[64];
	struct db *pool_prev, *pool_next; /* db.c's list of pool connections */
	char errmsg[512];
};

struct db_ops {
	enum db_engine engine;
	const char *name;        /* db_engine_name() */
	const char *id_type;     /* what {{ID}} becomes */
	const char *text_c_type; /* what {{TEXT_C}} becomes */
	const char *tables_sql;  /* one column: the names of anju's tables, any order */
	/* One parameter, a table name: a row per column in the table's order,
	 * (name, integer 0/1, primary key position or 0, serial 0/1); no row
	 * when there is no such table. */
	const char *columns_sql;
	/* One parameter, a table name: the tables its foreign keys reference. */
	const char *references_sql;

	/* target is the URL without "sqlite:", or the whole PostgreSQL URL.  On
	 * failure the engine has released everything it took and filled e. */
	int (*open)(struct db *db, const char *target, struct anju_err *e);
	void (*close)(struct db *db);
	/* Parameterless SQL, possibly several statements; a db_step() code. */
	int (*exec)(struct db *db, const char *sql);

	int (*stmt_new)(struct db *db, const char *sql, struct db_stmt **out);
	void (*stmt_free)(struct db_stmt *st);
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_text)(struct db_stmt *st, int i, const char *s, size_t n);
	/* s, NUL-terminated, stays valid until the statement's next reset. */
	void (*bind_static)(struct db_stmt *st, int i, const char *s);
	void (*bind_null)(struct db_stmt *st, int i);
	int (*step)(struct db_stmt *st);
	bool (*col_null)(struct db_stmt *st, int col);
	int64_t (*col_int64)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col);
	size_t (*col_len)(struct db_stmt *st, int col);
	int (*col_count)(struct db_stmt *st);
	const char *(*col_name)(struct db_stmt *st, int col);
	void (*reset)(struct db_stmt *st);

	bool (*in_tx)(const struct db *db);
	int (*begin)(struct db *db, bool snapshot);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	/* Called only inside a transaction. */
	int (*tx_lock)(struct db *db, int64_t key);
	/* Called only with a name db.c has validated as [a-z_][a-z0-9_]*. */
	int (*sync_id_sequence)(struct db *db, const char *table);
	/* Re-opens a broken connection when no transaction is open; 0 when the
	 * connection is usable (or cannot be repaired yet: inside a transaction). */
	int (*revive)(struct db *db);
	/* Puts the connection's page cache at its size for this database
	 * (db_cache_reset); NULL where the engine has none of its own. */
	void (*cache_reset)(struct db *db);
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

/* Records db_errmsg() (trailing white space dropped) and returns code. */
int db_set_error(struct db *db, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The text of sql with each '?' outside string literals, quoted identifiers
 * and comments replaced by $1, $2 ...; *nparams set.  NULL when sql is too
 * large or has more parameters than PostgreSQL takes (65535).  Caller frees. */
char *db_pg_placeholders(const char *sql, int *nparams);

#endif
