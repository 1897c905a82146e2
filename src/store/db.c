/*
 * The engine-neutral half of db.h: which engine a URL names, the statement
 * cache every connection keeps, the dialect tokens of migrations, the rules
 * both engines share (transactions are not nested, a lock needs a
 * transaction, a table name is checked before an engine quotes it), and the
 * pool that gives each thread its own connection.  What differs between
 * SQLite and PostgreSQL is behind struct db_ops (db_impl.h).
 */
#include "store/db.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/db_impl.h"

#define CACHE_FIRST_SLOTS 64
#define TABLE_NAME_MAX    63 /* PostgreSQL's identifier limit (NAMEDATALEN - 1) */

int
db_set_error(struct db *db, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
	va_end(ap);
	/* libpq ends its messages with a newline; a log line should not. */
	n = strlen(db->errmsg);
	while (n > 0 && isspace((unsigned char)db->errmsg[n - 1]))
		db->errmsg[--n] = '\0';
	return code;
}

/* The engine a URL names and the part of it the engine opens; NULL if none. */
static const struct db_ops *
url_engine(const char *url, const char **target)
{
	*target = NULL;
	if (url == NULL)
		return NULL;
	if (strncmp(url, "sqlite:", 7) == 0) {
		*target = url + 7;
		return &db_sqlite_ops;
	}
	/* libpq understands the whole URL, user, password and options included. */
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		*target = url;
		return &db_pg_ops;
	}
	return NULL;
}

static int
url_check(const char *url, const struct db_ops **ops, const char **target, struct anju_err *e)
{
	*ops = url_engine(url, target);
	if (*ops == NULL)
		return anju_fail(e, ANJU_EINVAL, "db_url", NULL,
				 "database URL must start with sqlite: or postgresql://");
	if (**target == '\0')
		return anju_fail(e, ANJU_EINVAL, "db_url", NULL, "sqlite: needs a file path");
	return 0;
}

int
db_open(const char *url, struct db **out, struct anju_err *e)
{
	const struct db_ops *ops;
	const char *target;
	struct db *db = NULL;
	int rc;

	*out = NULL;
	rc = url_check(url, &ops, &target, e);
	if (rc != 0)
		goto out;
	db = xcalloc(1, sizeof(*db));
	db->ops = ops;
	db->nslot = CACHE_FIRST_SLOTS;
	db->slots = xcalloc(db->nslot, sizeof(*db->slots));
	rc = ops->open(db, target, e);
	if (rc != 0)
		goto out;
	*out = db;
	db = NULL;
out:
	if (db != NULL) {
		free(db->slots);
		free(db);
	}
	return rc;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->nslot; i++) {
		struct db_stmt *st, *next;

		for (st = db->slots[i]; st != NULL; st = next) {
			next = st->next;
			free(st->sql);
			db->ops->stmt_free(st);
		}
	}
	db->ops->close(db);
	free(db->slots);
	free(db);
}

enum db_engine
db_engine(const struct db *db)
{
	return db->ops->engine;
}

const char *
db_engine_name(const struct db *db)
{
	return db->ops->name;
}

const char *
db_errmsg(const struct db *db)
{
	return db->errmsg;
}

char *
db_dialect(const struct db *db, const char *sql)
{
	const struct {
		const char *token, *text;
	} tokens[] = {
		{ "{{ID}}", db->ops->id_type },
		{ "{{TEXT_C}}", db->ops->text_c_type },
		{ "{{NOW}}", NULL },
	};
	char now[TIME_FMT_LEN];
	struct buf b;
	const char *p = sql;

	buf_init(&b, 0);
	while (*p != '\0') {
		size_t i, n = sizeof tokens / sizeof tokens[0];

		for (i = 0; i < n; i++)
			if (strncmp(p, tokens[i].token, strlen(tokens[i].token)) == 0)
				break;
		if (i < n) {
			if (tokens[i].text != NULL) {
				buf_adds(&b, tokens[i].text);
			} else {
				time_format_utc(time_now_us(), now);
				buf_printf(&b, "'%s'", now);
			}
			p += strlen(tokens[i].token);
		} else {
			buf_add(&b, p, 1);
			p++;
		}
	}
	return buf_take(&b, NULL);
}

int
db_exec(struct db *db, const char *sql)
{
	char *text = db_dialect(db, sql);
	int rc = db->ops->exec(db, text);

	free(text);
	/* db.h promises only ANJU_EDB here; the engine's finer code is in errmsg. */
	return rc < 0 ? ANJU_EDB : 0;
}

/* FNV-1a: statement texts are short and trusted, so any spread will do. */
static uint32_t
sql_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void
cache_grow(struct db *db)
{
	size_t nslot = db->nslot * 2;
	struct db_stmt **slots = xcalloc(nslot, sizeof(*slots));

	for (size_t i = 0; i < db->nslot; i++) {
		struct db_stmt *st, *next;

		for (st = db->slots[i]; st != NULL; st = next) {
			next = st->next;
			st->next = slots[st->hash & (nslot - 1)];
			slots[st->hash & (nslot - 1)] = st;
		}
	}
	free(db->slots);
	db->slots = slots;
	db->nslot = nslot;
}

int
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt **recent =
		&db->recent[((uintptr_t)sql >> 4) % (sizeof(db->recent) / sizeof(db->recent[0]))];
	struct db_stmt *st = *recent;
	uint32_t h;
	int rc;

	*out = NULL;
	/* The same address as last time: no hash of the text, only a compare
	 * (an address can come back with another text, in a reused buffer). */
	if (st != NULL && st->given == sql && strcmp(st->sql, sql) == 0) {
		db_reset(st);
		*out = st;
		return 0;
	}
	h = sql_hash(sql);
	for (st = db->slots[h & (db->nslot - 1)]; st != NULL; st = st->next) {
		if (st->hash == h && strcmp(st->sql, sql) == 0) {
			db_reset(st);
			st->given = sql;
			*recent = st;
			*out = st;
			return 0;
		}
	}
	rc = db->ops->stmt_new(db, sql, &st);
	if (rc != 0)
		return rc < 0 ? rc : ANJU_EDB;
	st->db = db;
	st->sql = xstrdup(sql);
	st->given = sql;
	*recent = st;
	st->hash = h;
	st->bind_rc = 0;
	st->changes = 0;
	if (db->nstmt + 1 > db->nslot / 4 * 3)
		cache_grow(db);
	st->next = db->slots[h & (db->nslot - 1)];
	db->slots[h & (db->nslot - 1)] = st;
	db->nstmt++;
	*out = st;
	return 0;
}

void
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	st->db->ops->bind_int64(st, i, v);
}

void
db_bind_text(struct db_stmt *st, int i, const char *s, size_t n)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, n);
}

void
db_bind_cstr(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, strlen(s));
}

void
db_bind_static(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_static(st, i, s);
}

void
db_bind_null(struct db_stmt *st, int i)
{
	st->db->ops->bind_null(st, i);
}

int
db_step(struct db_stmt *st)
{
	/* A bad bind has no return value of its own: it fails the execution. */
	if (st->bind_rc != 0)
		return st->bind_rc;
	return st->db->ops->step(st);
}

bool
db_col_null(struct db_stmt *st, int col)
{
	return st->db->ops->col_null(st, col);
}

int64_t
db_col_int64(struct db_stmt *st, int col)
{
	return st->db->ops->col_int64(st, col);
}

const char *
db_col_text(struct db_stmt *st, int col)
{
	return st->db->ops->col_text(st, col);
}

size_t
db_col_len(struct db_stmt *st, int col)
{
	return st->db->ops->col_len(st, col);
}

int
db_col_count(struct db_stmt *st)
{
	return st->db->ops->col_count(st);
}

const char *
db_col_name(struct db_stmt *st, int col)
{
	return st->db->ops->col_name(st, col);
}

int64_t
db_changes(struct db_stmt *st)
{
	return st->changes;
}

void
db_reset(struct db_stmt *st)
{
	if (st == NULL)
		return;
	st->db->ops->reset(st);
	st->bind_rc = 0;
}

static int
begin(struct db *db, bool snapshot)
{
	if (db->ops->in_tx(db))
		return db_set_error(db, ANJU_EDB, "a transaction is already open");
	return db->ops->begin(db, snapshot);
}

int
db_begin(struct db *db)
{
	return begin(db, false);
}

int
db_begin_snapshot(struct db *db)
{
	return begin(db, true);
}

int
db_commit(struct db *db)
{
	if (!db->ops->in_tx(db))
		return db_set_error(db, ANJU_EDB, "commit without a transaction");
	return db->ops->commit(db);
}

void
db_rollback(struct db *db)
{
	if (db->ops->in_tx(db))
		db->ops->rollback(db);
}

bool
db_in_tx(const struct db *db)
{
	return db->ops->in_tx(db);
}

void
db_cache_reset(struct db *db)
{
	if (db->ops->cache_reset != NULL)
		db->ops->cache_reset(db);
}

int
db_tx_lock(struct db *db, int64_t key)
{
	/* Outside a transaction the lock would end at once and protect nothing. */
	if (!db->ops->in_tx(db))
		return db_set_error(db, ANJU_EDB, "db_tx_lock outside a transaction");
	return db->ops->tx_lock(db, key);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
db_tables(struct db *db, char ***names, size_t *n)
{
	struct db_stmt *st = NULL;
	char **list = NULL, **block, *text;
	size_t count = 0, cap = 0, bytes = 0;
	int rc;

	*names = NULL;
	*n = 0;
	rc = db_prepare(db, db->ops->tables_sql, &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);

		if (name == NULL)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[count] = xstrdup(name);
		bytes += strlen(name) + 1;
		count++;
	}
	if (rc != DB_DONE)
		goto out;
	rc = 0;
	/* Sorted here, by bytes, so both engines give the same order whatever
	 * their collations. */
	if (count > 0)
		qsort(list, count, sizeof(*list), cmp_names);
	block = xmalloc(count * sizeof(*block) + bytes);
	text = (char *)(block + count);
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(list[i]) + 1;

		memcpy(text, list[i], len);
		block[i] = text;
		text += len;
	}
	*names = block;
	*n = count;
out:
	db_reset(st);
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
	return rc;
}

bool
db_identifier_ok(const char *s)
{
	size_t i;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
		if (i >= TABLE_NAME_MAX)
			return false;
	}
	return true;
}

int
db_sync_id_sequence(struct db *db, const char *table)
{
	if (!db_identifier_ok(table))
		return db_set_error(db, ANJU_EINVAL, "bad table name");
	return db->ops->sync_id_sequence(db, table);
}

int
db_table_describe(struct db *db, const char *table, struct arena *a, struct db_table_desc *out)
{
	struct db_stmt *st = NULL;
	struct db_column *cols = NULL;
	const char **refs = NULL;
	size_t ncol = 0, nref = 0, cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!db_identifier_ok(table))
		return db_set_error(db, ANJU_EINVAL, "bad table name");
	rc = db_prepare(db, db->ops->columns_sql, &st);
	if (rc != 0)
		goto out;
	db_bind_cstr(st, 1, table);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);

		if (ncol == cap) {
			cap = cap ? cap * 2 : 16;
			cols = xrealloc(cols, cap * sizeof(*cols));
		}
		cols[ncol].name = arena_strdup(a, name ? name : "");
		cols[ncol].integer = db_col_int64(st, 1) != 0;
		cols[ncol].pk = (int)db_col_int64(st, 2);
		cols[ncol].serial = db_col_int64(st, 3) != 0;
		ncol++;
	}
	if (rc != DB_DONE)
		goto out;
	db_reset(st);
	if (ncol == 0) {
		rc = db_set_error(db, ANJU_ENOTFOUND, "no table %s", table);
		goto out;
	}
	rc = db_prepare(db, db->ops->references_sql, &st);
	if (rc != 0)
		goto out;
	db_bind_cstr(st, 1, table);
	cap = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);

		/* A table that refers to itself orders its own rows, not tables. */
		if (name == NULL || strcmp(name, table) == 0)
			continue;
		if (nref == cap) {
			cap = cap ? cap * 2 : 8;
			refs = xrealloc(refs, cap * sizeof(*refs));
		}
		refs[nref++] = arena_strdup(a, name);
	}
	if (rc != DB_DONE)
		goto out;
	rc = 0;
	if (nref > 0)
		qsort(refs, nref, sizeof(*refs), cmp_names);
	out->cols = arena_alloc(a, ncol * sizeof(*cols));
	memcpy(out->cols, cols, ncol * sizeof(*cols));
	out->ncol = ncol;
	if (nref > 0) {
		out->refs = arena_alloc(a, nref * sizeof(*refs));
		memcpy(out->refs, refs, nref * sizeof(*refs));
	}
	out->nref = nref;
out:
	db_reset(st);
	free(cols);
	free(refs);
	return rc;
}

/*
 * The pool.  Each thread's connection is the value of one pthread key, whose
 * destructor closes it when the thread exits.  The connections are also kept
 * in a list so that db_pool_close() can close those of threads that have not
 * exited (the main thread, whose key destructors never run); it must
 * therefore be called after the worker threads have stopped.
 */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t pool_key;
static bool pool_ready;
static char *pool_url;
static struct db *pool_head;

static void
pool_unlink(struct db *db)
{
	if (db->pool_prev != NULL)
		db->pool_prev->pool_next = db->pool_next;
	else
		pool_head = db->pool_next;
	if (db->pool_next != NULL)
		db->pool_next->pool_prev = db->pool_prev;
	db->pool_prev = db->pool_next = NULL;
}

static void
pool_thread_exit(void *p)
{
	struct db *db = p;

	pthread_mutex_lock(&pool_lock);
	pool_unlink(db);
	pthread_mutex_unlock(&pool_lock);
	db_close(db);
}

int
db_pool_init(const char *url, struct anju_err *e)
{
	const struct db_ops *ops;
	const char *target;
	int rc;

	rc = url_check(url, &ops, &target, e);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&pool_lock);
	if (pool_ready) {
		rc = anju_fail(e, ANJU_EINVAL, "db_pool", NULL, "the pool is already set up");
		goto out;
	}
	if (pthread_key_create(&pool_key, pool_thread_exit) != 0) {
		rc = anju_fail(e, ANJU_EINTERNAL, "db_pool", NULL, "pthread_key_create failed");
		goto out;
	}
	pool_url = xstrdup(url);
	pool_ready = true;
out:
	pthread_mutex_unlock(&pool_lock);
	return rc;
}

struct db *
db_thread(struct anju_err *e)
{
	struct db *db = NULL;
	char *url = NULL;

	pthread_mutex_lock(&pool_lock);
	if (pool_ready) {
		db = pthread_getspecific(pool_key);
		if (db == NULL)
			url = xstrdup(pool_url);
	}
	pthread_mutex_unlock(&pool_lock);
	if (db != NULL) {
		if (db->ops->revive(db) != 0) {
			anju_fail(e, ANJU_EDB, "db_reconnect", NULL, "%s", db->errmsg);
			return NULL;
		}
		return db;
	}
	if (url == NULL) {
		anju_fail(e, ANJU_EINTERNAL, "db_pool", NULL, "db_pool_init was not called");
		return NULL;
	}
	/* Opened outside the lock: a PostgreSQL connect takes a round trip or more. */
	if (db_open(url, &db, e) != 0)
		goto out;
	pthread_mutex_lock(&pool_lock);
	if (!pool_ready) {
		pthread_mutex_unlock(&pool_lock);
		db_close(db);
		db = NULL;
		anju_fail(e, ANJU_EINTERNAL, "db_pool", NULL, "the pool was closed");
		goto out;
	}
	pthread_setspecific(pool_key, db);
	db->pool_next = pool_head;
	if (pool_head != NULL)
		pool_head->pool_prev = db;
	pool_head = db;
	pthread_mutex_unlock(&pool_lock);
out:
	free(url);
	return db;
}

void
db_pool_close(void)
{
	struct db *list, *db, *next;

	pthread_mutex_lock(&pool_lock);
	if (!pool_ready) {
		pthread_mutex_unlock(&pool_lock);
		return;
	}
	pthread_setspecific(pool_key, NULL);
	pthread_key_delete(pool_key);
	list = pool_head;
	pool_head = NULL;
	free(pool_url);
	pool_url = NULL;
	pool_ready = false;
	pthread_mutex_unlock(&pool_lock);
	for (db = list; db != NULL; db = next) {
		next = db->pool_next;
		db_close(db);
	}
}

int
db_fail(struct db *db, int rc, struct anju_err *e)
{
	if (rc == ANJU_EBUSY)
		return anju_fail(e, ANJU_EBUSY, NULL, NULL, "database busy: %s", db_errmsg(db));
	return anju_fail(e, ANJU_EDB, NULL, NULL, "database: %s", db_errmsg(db));
}
