/*
 * A fresh, private database for one unit test: on PostgreSQL (when
 * ANJU_TEST_DB_URL names one) a new schema put on the search_path of every
 * connection made with the returned URL; otherwise a new SQLite file in a
 * temporary directory.  testdb_drop() removes it.  Header-only: each test
 * program includes it once.
 */
#ifndef ANJU_TESTS_TESTDB_H
#define ANJU_TESTS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "store/db.h"

struct testdb {
	char *url;       /* open connections with this */
	char schema[32]; /* PostgreSQL */
	char dir[256];   /* SQLite */
};

static inline int
testdb_is_pg(void)
{
	const char *u = getenv("ANJU_TEST_DB_URL");

	return u != NULL &&
	       (strncmp(u, "postgresql://", 13) == 0 || strncmp(u, "postgres://", 11) == 0);
}

/* 0, or -1 after printing why. */
static inline int
testdb_create(struct testdb *t)
{
	struct buf b;

	memset(t, 0, sizeof(*t));
	buf_init(&b, 0);
	if (testdb_is_pg()) {
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
		const char *tmp = getenv("TMPDIR");

		snprintf(t->dir, sizeof(t->dir), "%s/anju-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(t->dir) == NULL) {
			perror("testdb: mkdtemp");
			buf_free(&b);
			return -1;
		}
		buf_printf(&b, "sqlite:%s/test.db", t->dir);
	}
	t->url = buf_take(&b, NULL);
	return 0;
}

static inline void
testdb_drop(struct testdb *t)
{
	struct buf b;

	buf_init(&b, 0);
	if (t->schema[0] != '\0') {
		struct anju_err e;
		struct db *admin = NULL;

		buf_printf(&b, "DROP SCHEMA %s CASCADE", t->schema);
		if (db_open(getenv("ANJU_TEST_DB_URL"), &admin, &e) == 0)
			db_exec(admin, b.p);
		db_close(admin);
	} else if (t->dir[0] != '\0') {
		buf_printf(&b, "rm -rf '%s'", t->dir);
		if (system(b.p) != 0)
			fprintf(stderr, "testdb: could not remove %s\n", t->dir);
	}
	buf_free(&b);
	free(t->url);
	t->url = NULL;
}

#endif
