/*
 * What the unit tests of a real database share.
 *
 * A fresh, private database for one unit test: on PostgreSQL (when
 * ANJU_TEST_DB_URL names one) a new schema put on the search_path of every
 * connection made with the returned URL (a pool's too); otherwise a new
 * SQLite file in a temporary directory.  testdb_drop() removes it;
 * testdb_open() and testdb_close() add and end a first connection to it.
 * And the assertions every such test makes: that a call returned 0 (saying
 * why when not), the one value of a query, a statement run to its end.
 *
 * Header-only, static functions: each test program includes it once, after
 * <cmocka.h> (and the headers cmocka.h needs before it), since the
 * assertions are cmocka's.
 */
#ifndef ANJU_TESTS_TESTDB_H
#define ANJU_TESTS_TESTDB_H

#ifndef CMOCKA_H_
#error "include <cmocka.h> before testdb.h"
#endif

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/db.h"

struct testdb {
	char *url;       /* open connections with this */
	char schema[32]; /* PostgreSQL */
	char dir[256];   /* SQLite */
};

static inline bool
testdb_is_pg(void)
{
	const char *u = getenv("ANJU_TEST_DB_URL");

	return u != NULL &&
	       (strncmp(u, "postgresql://", 13) == 0 || strncmp(u, "postgres://", 11) == 0);
}

/* A new folder "prefix-XXXXXX" under $TMPDIR (or /tmp), its path into dir.
 * 0, or -1 after printing why. */
static inline int
testdb_mkdtemp(char *dir, size_t size, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (mkdtemp(dir) == NULL) {
		perror("testdb: mkdtemp");
		return -1;
	}
	return 0;
}

static inline int
testdb_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Removes the folder dir and everything in it, never following a link. */
static inline void
testdb_rmtree(const char *dir)
{
	nftw(dir, testdb_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new database on PostgreSQL (a schema at ANJU_TEST_DB_URL, which must
 * name one) when pg, else on SQLite, whatever ANJU_TEST_DB_URL says: for a
 * test that needs both engines.  0, or -1 after printing why. */
static inline int
testdb_create_engine(struct testdb *t, bool pg)
{
	struct buf b;

	memset(t, 0, sizeof(*t));
	buf_init(&b, 0);
	if (pg) {
		const char *base = getenv("ANJU_TEST_DB_URL");
		unsigned char r[8];
		char hex[17];
		struct anju_err e;
		struct db *admin = NULL;

		random_bytes(r, sizeof(r));
		hex_encode(r, sizeof(r), hex);
		snprintf(t->schema, sizeof(t->schema), "t_%s", hex);
		buf_printf(&b, "CREATE SCHEMA %s", t->schema);
		if (db_open(base, &admin, &e) != 0 || db_exec(admin, b.p) != 0) {
			fprintf(stderr, "testdb: %s\n", admin ? db_errmsg(admin) : e.msg);
			db_close(admin);
			buf_free(&b);
			return -1;
		}
		db_close(admin);
		buf_reset(&b);
		buf_printf(&b, "%s%coptions=-c%%20search_path%%3D%s", base,
			   strchr(base, '?') ? '&' : '?', t->schema);
	} else {
		if (testdb_mkdtemp(t->dir, sizeof(t->dir), "anju-unit") != 0) {
			buf_free(&b);
			return -1;
		}
		buf_printf(&b, "sqlite:%s/test.db", t->dir);
	}
	t->url = buf_take(&b, NULL);
	return 0;
}

/* A new database on the engine ANJU_TEST_DB_URL names.  0, or -1 after
 * printing why. */
static inline int
testdb_create(struct testdb *t)
{
	return testdb_create_engine(t, testdb_is_pg());
}

/* Removes what testdb_create() made; every connection to it is closed
 * first. */
static inline void
testdb_drop(struct testdb *t)
{
	if (t->schema[0] != '\0') {
		struct anju_err e;
		struct db *admin = NULL;
		struct buf b;

		buf_init(&b, 0);
		buf_printf(&b, "DROP SCHEMA %s CASCADE", t->schema);
		if (db_open(getenv("ANJU_TEST_DB_URL"), &admin, &e) == 0)
			db_exec(admin, b.p);
		db_close(admin);
		buf_free(&b);
	} else if (t->dir[0] != '\0') {
		testdb_rmtree(t->dir);
	}
	free(t->url);
	t->url = NULL;
}

/* testdb_create() and a connection to the new database into *db, for a
 * test's setup.  0, or -1 after printing why (nothing is left then). */
static inline int
testdb_open(struct testdb *t, struct db **db)
{
	struct anju_err e;

	*db = NULL;
	if (testdb_create(t) != 0)
		return -1;
	if (db_open(t->url, db, &e) != 0) {
		fprintf(stderr, "testdb: %s\n", e.msg);
		testdb_drop(t);
		return -1;
	}
	return 0;
}

/* Undoes testdb_open(): closes db, then drops the database. */
static inline void
testdb_close(struct testdb *t, struct db *db)
{
	db_close(db);
	testdb_drop(t);
}

/* Asserts that rc is 0, saying why when not (from db, which may be NULL),
 * at the caller's line. */
#define ok(db, rc) ok_at((db), (rc), __FILE__, __LINE__)

static inline void
ok_at(struct db *db, int rc, const char *file, int line)
{
	if (rc != 0)
		print_error("rc %d: %s\n", rc, db ? db_errmsg(db) : "");
	_assert_int_equal((uintmax_t)rc, 0, file, line);
}

static inline void
exec_ok(struct db *db, const char *sql)
{
	ok(db, db_exec(db, sql));
}

/* The first column of the only row of a query with no parameters. */
static inline int64_t
query_int(struct db *db, const char *sql)
{
	struct db_stmt *st;
	int64_t v;

	ok(db, db_prepare(db, sql, &st));
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
	return v;
}

/* Steps st to its end and resets it; the last db_step code. */
static inline int
step_to_end(struct db_stmt *st)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW)
		;
	db_reset(st);
	return rc;
}

/* Runs a statement with one text parameter to its end; the db_step code. */
static inline int
run_text(struct db *db, const char *sql, const char *s)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_cstr(st, 1, s);
	return step_to_end(st);
}

/* The same with one integer parameter. */
static inline int
run_int(struct db *db, const char *sql, int64_t v)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, v);
	return step_to_end(st);
}

#endif
