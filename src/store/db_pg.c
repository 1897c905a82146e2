/*
 * The PostgreSQL engine behind db.h, over libpq, for deployments of several
 * servers on one primary (DESIGN.md "Storage").
 *
 * Statements keep the SQLite dialect: '?' placeholders become $1..$n here,
 * each statement is prepared once per connection under a name of its own,
 * and parameters and results travel as text, so an integer is read back with
 * str_to_int64().  A parameter's type is inferred by the server from where
 * it stands; where nothing says (`? IS NULL`, a bare `SELECT ?` meant as a
 * number), the SQL must say CAST(? AS BIGINT).
 *
 * A result is fetched whole before the first row is returned.  That keeps
 * the SQLite habit of running other statements while reading rows; large
 * reads page by key instead of streaming.
 *
 * Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction:
 * callers roll back on any error (db_commit() refuses to commit such a
 * transaction rather than let COMMIT quietly roll it back).  Expected
 * conflicts are written as ON CONFLICT so that they are not errors.
 *
 * When the server goes away outside a transaction, the next use re-connects
 * (PQreset) and prepares the cached statements again; inside one, the
 * caller sees the error, rolls back, and the next use re-connects.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/db_impl.h"

#define PG_MAX_PARAMS 65535 /* the protocol counts parameters in 16 bits */

struct pg {
	PGconn *conn;
	uint64_t gen;   /* bumped by each re-connect, which forgets prepared statements */
	uint64_t names; /* statement names handed out */
	bool tx;        /* inside db_begin .. db_commit/db_rollback */
};

struct pg_param {
	const char *v; /* NULL for SQL NULL; else num, heap or the caller's (static) */
	char *heap;
	char num[24];
};

enum pg_state {
	PS_IDLE, /* not executed since the last reset */
	PS_ROWS, /* res holds rows, row is the current one */
	PS_DONE, /* finished; the next step executes again */
};

struct pg_stmt {
	struct db_stmt base; /* first: db.c sees only this */
	char name[24];
	char *text; /* with $n placeholders */
	int nparams;
	uint64_t gen; /* the connection generation it was prepared in */
	struct pg_param *params;
	const char **values; /* what PQexecPrepared takes, from params */
	PGresult *res;
	int row, nrows;
	enum pg_state state;
};

static struct pg *
pg(const struct db *db)
{
	return db->engine;
}

static struct pg_stmt *
pg_st(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

char *
db_pg_placeholders(const char *sql, int *nparams)
{
	struct buf b;
	const char *p = sql, *end;
	int n = 0;

	*nparams = 0;
	buf_init(&b, 0);
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			/* A doubled quote inside closes and re-opens: same result. */
			end = strchr(p + 1, *p);
			end = end ? end + 1 : p + strlen(p);
		} else if (p[0] == '-' && p[1] == '-') {
			end = strchr(p, '\n');
			end = end ? end + 1 : p + strlen(p);
		} else if (p[0] == '/' && p[1] == '*') {
			end = strstr(p + 2, "*/");
			end = end ? end + 2 : p + strlen(p);
		} else if (*p == '?') {
			if (++n > PG_MAX_PARAMS)
				goto fail;
			buf_printf(&b, "$%d", n);
			p++;
			continue;
		} else {
			end = p + 1;
		}
		buf_add(&b, p, (size_t)(end - p));
		p = end;
	}
	if (b.over)
		goto fail;
	*nparams = n;
	return buf_take(&b, NULL);
fail:
	buf_free(&b);
	return NULL;
}

/* SQLSTATE classes callers act on; every other failure is ANJU_EDB. */
static int
pg_code(const char *state)
{
	if (state == NULL)
		return ANJU_EDB;
	if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0)
		return ANJU_ECONFLICT; /* unique_violation, foreign_key_violation */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return ANJU_EBUSY; /* serialization, deadlock, lock_not_available */
	return ANJU_EDB;
}

/* Records why res (NULL: the connection) failed.  Only the primary message:
 * PostgreSQL's DETAIL quotes the row's values, which must not reach a log. */
static int
pg_fail(struct db *db, const PGresult *res)
{
	const char *state = NULL, *msg = NULL;
	size_t n;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (msg != NULL)
		return db_set_error(db, pg_code(state), "%s [%s]", msg, state ? state : "?");
	msg = PQerrorMessage(pg(db)->conn);
	n = strcspn(msg, "\n");
	return db_set_error(db, ANJU_EDB, "%.*s", (int)n, *msg ? msg : "no result from server");
}

/* Runs parameterless SQL; a db_step() code. */
static int
pg_run(struct db *db, const char *sql)
{
	PGresult *res = PQexec(pg(db)->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = 0;

	if (res == NULL ||
	    (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY))
		rc = pg_fail(db, res);
	PQclear(res);
	return rc;
}

/* What every session needs, after connecting and after each re-connect
 * (client_encoding is a connection parameter and survives PQreset itself). */
static int
pg_session(struct db *db)
{
	/* Times are UTC text (DESIGN.md); a server default zone must not leak in. */
	return pg_run(db, "SET TIME ZONE 'UTC'");
}

/* Notices ("relation already exists, skipping") would go to stderr. */
static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_open(struct db *db, const char *url, struct anju_err *e)
{
	/* Later entries win: connect_timeout is a default the URL may change,
	 * client_encoding is not negotiable. */
	static const char *const keys[] = {
		"connect_timeout", "fallback_application_name", "dbname", "client_encoding", NULL,
	};
	const char *values[] = { "10", "anju", url, "UTF8", NULL };
	struct pg *p = xcalloc(1, sizeof(*p));
	int rc;

	p->gen = 1;
	p->conn = PQconnectdbParams(keys, values, 1);
	db->engine = p;
	if (p->conn == NULL) {
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL, "postgresql: out of memory");
		goto out;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		pg_fail(db, NULL);
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL, "postgresql: %s", db->errmsg);
		goto out;
	}
	PQsetNoticeProcessor(p->conn, pg_quiet, NULL);
	rc = pg_session(db);
	if (rc != 0) {
		rc = anju_fail(e, ANJU_EDB, "db_open", NULL, "postgresql: %s", db->errmsg);
		goto out;
	}
out:
	if (rc != 0) {
		PQfinish(p->conn);
		free(p);
		db->engine = NULL;
	}
	return rc;
}

static void
pg_close(struct db *db)
{
	PQfinish(pg(db)->conn);
	free(db->engine);
	db->engine = NULL;
}

static bool
pg_in_tx(const struct db *db)
{
	PGTransactionStatusType s = PQtransactionStatus(pg(db)->conn);

	return pg(db)->tx || s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

static int
pg_revive(struct db *db)
{
	struct pg *p = pg(db);

	if (PQstatus(p->conn) == CONNECTION_OK || p->tx)
		return 0;
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		pg_fail(db, NULL);
		return db_set_error(db, ANJU_EDB, "reconnect failed: %s", db->errmsg);
	}
	/* The new session has none of the old one's prepared statements. */
	p->gen++;
	return pg_session(db);
}

static int
pg_exec(struct db *db, const char *sql)
{
	int rc = pg_revive(db);

	return rc != 0 ? rc : pg_run(db, sql);
}

static int
pg_server_prepare(struct pg_stmt *st)
{
	struct db *db = st->base.db;
	PGresult *res;
	int rc = 0;

	res = PQprepare(pg(db)->conn, st->name, st->text, st->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(db, res);
	else
		st->gen = pg(db)->gen;
	PQclear(res);
	return rc;
}

static void
pg_stmt_free(struct db_stmt *base)
{
	struct pg_stmt *st = pg_st(base);

	PQclear(st->res);
	for (int i = 0; i < st->nparams; i++)
		free(st->params[i].heap);
	free(st->params);
	free(st->values);
	free(st->text);
	free(st);
}

static int
pg_stmt_new(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_stmt *st = xcalloc(1, sizeof(*st));
	int rc;

	st->base.db = db;
	st->text = db_pg_placeholders(sql, &st->nparams);
	if (st->text == NULL) {
		rc = db_set_error(db, ANJU_EDB, "statement too large or with too many parameters");
		goto out;
	}
	if (st->nparams > 0) {
		st->params = xcalloc((size_t)st->nparams, sizeof(*st->params));
		st->values = xcalloc((size_t)st->nparams, sizeof(*st->values));
	}
	snprintf(st->name, sizeof(st->name), "s%" PRIu64, ++pg(db)->names);
	rc = pg_revive(db);
	if (rc != 0)
		goto out;
	/* Prepared now, so that a mistake in the SQL shows at db_prepare(). */
	rc = pg_server_prepare(st);
	if (rc != 0)
		goto out;
	*out = &st->base;
	st = NULL;
out:
	if (st != NULL)
		pg_stmt_free(&st->base);
	return rc;
}

/* The parameter i (from 1), emptied; NULL (and the statement failed) when
 * the statement has no such parameter. */
static struct pg_param *
pg_param(struct db_stmt *base, int i)
{
	struct pg_stmt *st = pg_st(base);
	struct pg_param *p;

	if (i < 1 || i > st->nparams) {
		if (base->bind_rc == 0)
			base->bind_rc = db_set_error(base->db, ANJU_EDB,
						     "bind parameter %d: out of range (1..%d)", i,
						     st->nparams);
		return NULL;
	}
	p = &st->params[i - 1];
	free(p->heap);
	p->heap = NULL;
	p->v = NULL;
	return p;
}

static void
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param *p = pg_param(st, i);

	if (p == NULL)
		return;
	snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->v = p->num;
}

static void
pg_bind_text(struct db_stmt *st, int i, const char *s, size_t n)
{
	struct pg_param *p = pg_param(st, i);

	if (p == NULL)
		return;
	/* Text parameters end at a NUL, and PostgreSQL text cannot hold one:
	 * refuse rather than store a shorter string than was given. */
	if (memchr(s, '\0', n) != NULL) {
		if (st->bind_rc == 0)
			st->bind_rc = db_set_error(
				st->db, ANJU_EDB, "bind parameter %d: text contains a NUL byte", i);
		return;
	}
	p->heap = xstrndup(s, n);
	p->v = p->heap;
}

/* libpq reads the parameters at PQexecPrepared: nothing to copy. */
static void
pg_bind_static(struct db_stmt *st, int i, const char *s)
{
	struct pg_param *p = pg_param(st, i);

	if (p != NULL)
		p->v = s;
}

static void
pg_bind_null(struct db_stmt *st, int i)
{
	pg_param(st, i);
}

/* Rows changed, from the command tag: only for INSERT, UPDATE, DELETE and
 * MERGE, since PQcmdTuples also counts the rows a SELECT returned. */
static int64_t
pg_changes(const PGresult *res)
{
	const char *tag = PQcmdStatus((PGresult *)res);
	int64_t n = 0;

	if (strncmp(tag, "INSERT ", 7) != 0 && strncmp(tag, "UPDATE ", 7) != 0 &&
	    strncmp(tag, "DELETE ", 7) != 0 && strncmp(tag, "MERGE ", 6) != 0)
		return 0;
	if (str_to_int64(str_c(PQcmdTuples((PGresult *)res)), 0, INT64_MAX, &n) != 0)
		return 0;
	return n;
}

static int
pg_step(struct db_stmt *base)
{
	struct pg_stmt *st = pg_st(base);
	struct db *db = base->db;
	ExecStatusType s;
	int rc;

	if (st->state == PS_ROWS) {
		if (++st->row < st->nrows)
			return DB_ROW;
		st->state = PS_DONE;
		return DB_DONE;
	}
	/* Idle or done: execute (again, like sqlite3_step after SQLITE_DONE). */
	PQclear(st->res);
	st->res = NULL;
	st->state = PS_IDLE;
	rc = pg_revive(db);
	if (rc == 0 && st->gen != pg(db)->gen)
		rc = pg_server_prepare(st);
	if (rc != 0)
		return rc;
	for (int i = 0; i < st->nparams; i++)
		st->values[i] = st->params[i].v;
	st->res = PQexecPrepared(pg(db)->conn, st->name, st->nparams, st->values, NULL, NULL, 0);
	s = PQresultStatus(st->res);
	if (st->res == NULL || (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)) {
		rc = pg_fail(db, st->res);
		PQclear(st->res);
		st->res = NULL;
		return rc;
	}
	base->changes = pg_changes(st->res);
	st->nrows = s == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
	st->row = 0;
	if (st->nrows == 0) {
		st->state = PS_DONE;
		return DB_DONE;
	}
	st->state = PS_ROWS;
	return DB_ROW;
}

/* Is there a current row with this column? */
static bool
pg_at(struct pg_stmt *st, int col)
{
	return st->state == PS_ROWS && col >= 0 && col < PQnfields(st->res);
}

static bool
pg_col_null(struct db_stmt *base, int col)
{
	struct pg_stmt *st = pg_st(base);

	return !pg_at(st, col) || PQgetisnull(st->res, st->row, col);
}

static const char *
pg_col_text(struct db_stmt *base, int col)
{
	struct pg_stmt *st = pg_st(base);

	if (pg_col_null(base, col))
		return NULL;
	return PQgetvalue(st->res, st->row, col);
}

static int64_t
pg_col_int64(struct db_stmt *base, int col)
{
	const char *v = pg_col_text(base, col);
	int64_t n = 0;

	/* Like SQLite, what is not an integer reads as 0. */
	if (v == NULL || str_to_int64(str_c(v), INT64_MIN, INT64_MAX, &n) != 0)
		return 0;
	return n;
}

static size_t
pg_col_len(struct db_stmt *base, int col)
{
	struct pg_stmt *st = pg_st(base);

	if (pg_col_null(base, col))
		return 0;
	return (size_t)PQgetlength(st->res, st->row, col);
}

static int
pg_col_count(struct db_stmt *base)
{
	struct pg_stmt *st = pg_st(base);

	return st->res ? PQnfields(st->res) : 0;
}

static const char *
pg_col_name(struct db_stmt *base, int col)
{
	struct pg_stmt *st = pg_st(base);

	if (st->res == NULL || col < 0 || col >= PQnfields(st->res))
		return NULL;
	return PQfname(st->res, col);
}

static void
pg_reset(struct db_stmt *base)
{
	struct pg_stmt *st = pg_st(base);

	PQclear(st->res);
	st->res = NULL;
	st->state = PS_IDLE;
	st->row = st->nrows = 0;
	for (int i = 0; i < st->nparams; i++) {
		free(st->params[i].heap);
		st->params[i].heap = NULL;
		st->params[i].v = NULL;
	}
}

static int
pg_begin(struct db *db, bool snapshot)
{
	int rc = pg_revive(db);

	if (rc == 0)
		rc = pg_run(db,
			    snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
	if (rc == 0)
		pg(db)->tx = true;
	return rc;
}

static int
pg_commit(struct db *db)
{
	struct pg *p = pg(db);
	PGresult *res;
	int rc = 0;

	/* COMMIT of an aborted transaction "succeeds" as a ROLLBACK: say so. */
	if (PQtransactionStatus(p->conn) == PQTRANS_INERROR) {
		PQclear(PQexec(p->conn, "ROLLBACK"));
		p->tx = false;
		return db_set_error(
			db, ANJU_EDB,
			"commit refused: a statement failed, the transaction was rolled back");
	}
	res = PQexec(p->conn, "COMMIT");
	/* Whatever happened, the transaction is over: a failed COMMIT ends it on
	 * the server, and a lost connection ended it there too. */
	p->tx = false;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(db, res);
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = db_set_error(db, ANJU_EDB, "commit ended as %s", PQcmdStatus(res));
	PQclear(res);
	return rc;
}

static void
pg_rollback(struct db *db)
{
	struct pg *p = pg(db);

	p->tx = false;
	if (PQstatus(p->conn) != CONNECTION_OK)
		return;
	PQclear(PQexec(p->conn, "ROLLBACK"));
}

static int
pg_tx_lock(struct db *db, int64_t key)
{
	struct db_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", &st);
	if (rc != 0)
		goto out;
	db_bind_int64(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW)
		rc = 0;
out:
	db_reset(st);
	return rc;
}

static int
pg_sync_id_sequence(struct db *db, const char *table)
{
	struct db_stmt *st = NULL;
	struct buf sql;
	int rc;

	/* The table in FROM cannot be a parameter; db.c has checked the name
	 * against [a-z_][a-z0-9_]*, so quoting it is safe. */
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT setval(pg_get_serial_sequence(?, 'id'),"
		       " COALESCE((SELECT MAX(id) FROM \"");
	buf_adds(&sql, table);
	buf_adds(&sql, "\"), 0) + 1, false)");
	rc = db_prepare(db, sql.p, &st);
	if (rc != 0)
		goto out;
	db_bind_cstr(st, 1, table);
	rc = db_step(st);
	if (rc < 0)
		goto out;
	if (rc != DB_ROW || db_col_null(st, 0)) {
		rc = db_set_error(db, ANJU_EDB, "table %s has no id sequence", table);
		goto out;
	}
	rc = 0;
out:
	db_reset(st);
	buf_free(&sql);
	return rc;
}

const struct db_ops db_pg_ops = {
	.engine = DB_POSTGRES,
	.name = "postgresql",
	.id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.text_c_type = "TEXT COLLATE \"C\"",
	.tables_sql = "SELECT table_name FROM information_schema.tables"
		      " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
	/* From pg_catalog rather than information_schema, whose views show only
	 * what the current role owns; the schema is current_schema(), as above. */
	.columns_sql = "SELECT CAST(a.attname AS text),"
		       " CASE WHEN format_type(a.atttypid, NULL)"
		       " IN ('smallint', 'integer', 'bigint') THEN 1 ELSE 0 END,"
		       " COALESCE((SELECT k.n FROM pg_index i,"
		       " unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY AS k(attnum, n)"
		       " WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum), 0),"
		       " CASE WHEN pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname),"
		       " CAST(a.attname AS text)) IS NULL THEN 0 ELSE 1 END"
		       " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		       " JOIN pg_attribute a ON a.attrelid = c.oid"
		       " WHERE n.nspname = current_schema() AND c.relname = ?"
		       " AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
		       " ORDER BY a.attnum",
	.references_sql = "SELECT DISTINCT CAST(r.relname AS text) FROM pg_constraint k"
			  " JOIN pg_class c ON c.oid = k.conrelid"
			  " JOIN pg_namespace n ON n.oid = c.relnamespace"
			  " JOIN pg_class r ON r.oid = k.confrelid"
			  " WHERE k.contype = 'f' AND n.nspname = current_schema()"
			  " AND c.relname = ? AND r.relnamespace = c.relnamespace",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.stmt_new = pg_stmt_new,
	.stmt_free = pg_stmt_free,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_static = pg_bind_static,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_len = pg_col_len,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.reset = pg_reset,
	.in_tx = pg_in_tx,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.tx_lock = pg_tx_lock,
	.sync_id_sequence = pg_sync_id_sequence,
	.revive = pg_revive,
};
