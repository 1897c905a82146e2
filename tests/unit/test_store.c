/*
 * Unit tests of src/store (db.c with its two engines, and migrate.c).
 *
 * They run against the PostgreSQL URL in ANJU_TEST_DB_URL (tests/pg.sh
 * starts a private cluster), or when it is unset (or a sqlite: URL) against
 * SQLite.  Every test gets an empty database of its own (testdb.h): a new
 * SQLite file in a fresh temporary directory, or on PostgreSQL a new schema
 * that the URL puts on the search_path of every connection made with it (the
 * pool's too) and that teardown drops, so runs can repeat on one cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/db_impl.h"
#include "store/migrate.h"
#include "testdb.h"

/* PostgreSQL: a connection of the whole run that ends other sessions and
 * takes advisory locks beside the test's own. */
static struct db *pg_admin;

struct ctx {
	struct testdb t; /* t.url reaches the test's database, from the pool too */
	struct db *db;
};

static int
group_setup(void **state)
{
	struct anju_err e;

	(void)state;
	if (testdb_is_pg() && db_open(getenv("ANJU_TEST_DB_URL"), &pg_admin, &e) != 0) {
		fprintf(stderr, "test_store: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	db_close(pg_admin);
	return 0;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));

	if (testdb_open(&c->t, &c->db) != 0)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	testdb_close(&c->t, c->db);
	free(c);
	return 0;
}

static void
test_open_close(void **state)
{
	struct ctx *c = *state;
	struct db *db2 = NULL;
	struct anju_err e;

	assert_int_equal(db_engine(c->db), testdb_is_pg() ? DB_POSTGRES : DB_SQLITE);
	assert_string_equal(db_engine_name(c->db), testdb_is_pg() ? "postgresql" : "sqlite");
	assert_string_equal(db_errmsg(c->db), "");
	assert_false(db_in_tx(c->db));
	/* A second connection to the same database, closed at once. */
	assert_int_equal(db_open(c->t.url, &db2, &e), 0);
	assert_non_null(db2);
	assert_int_equal(query_int(db2, "SELECT 1 + 1"), 2);
	db_close(db2);
	db_close(NULL);
	db_reset(NULL);
}

static void
test_bad_url(void **state)
{
	static const char *const invalid[] = {
		"",          "mysql://localhost/x", "sqlite:", "postgresql:/x", "SQLITE:/tmp/x.db",
		"/tmp/x.db",
	};
	struct db *db = (struct db *)1;
	struct anju_err e;

	(void)state;
	assert_int_equal(db_open(NULL, &db, &e), ANJU_EINVAL);
	assert_null(db);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		db = (struct db *)1;
		anju_err_clear(&e);
		assert_int_equal(db_open(invalid[i], &db, &e), ANJU_EINVAL);
		assert_null(db);
		assert_int_equal(e.code, ANJU_EINVAL);
		assert_string_equal(e.key, "db_url");
	}
	anju_err_clear(&e);
	assert_int_equal(db_open("sqlite:/nonexistent-anju-dir/x/y.db", &db, &e), ANJU_EDB);
	assert_null(db);
	assert_int_equal(e.code, ANJU_EDB);
	assert_true(strlen(e.msg) > 0);
	/* Port 1 on loopback refuses at once. */
	anju_err_clear(&e);
	assert_int_equal(db_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", &db, &e),
			 ANJU_EDB);
	assert_null(db);
	assert_true(strlen(e.msg) > 0);
	assert_int_equal(db_pool_init("oracle://x", &e), ANJU_EINVAL);
}

static const struct migration test_list[] = {
	{ 1, "first",
	  "CREATE TABLE m_one (id {{ID}}, name TEXT NOT NULL);\n"
	  "CREATE INDEX m_one_name ON m_one (name);" },
	{ 2, "second",
	  "CREATE TABLE m_two (id {{ID}}, one_id BIGINT REFERENCES m_one (id));\n"
	  "INSERT INTO m_one (name) VALUES ('seeded ''?'' row');" },
	{ 5, "fifth", "ALTER TABLE m_two ADD COLUMN note TEXT NOT NULL DEFAULT '';" },
};

static void
check_applied_at(const char *s)
{
	/* 2026-11-28T07:03:11.123456Z */
	assert_non_null(s);
	assert_int_equal(strlen(s), 27);
	assert_int_equal(s[4], '-');
	assert_int_equal(s[7], '-');
	assert_int_equal(s[10], 'T');
	assert_int_equal(s[13], ':');
	assert_int_equal(s[16], ':');
	assert_int_equal(s[19], '.');
	assert_int_equal(s[26], 'Z');
	assert_true(strncmp(s, "2020", 4) > 0);
}

static void
test_migrate_list(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct db_stmt *st;
	int applied = -1, version = -1, rows = 0;

	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 0);
	/* The first two, then all three: only the new one is applied. */
	ok(c->db, db_migrate_list(c->db, test_list, 2, &applied, &e));
	assert_int_equal(applied, 2);
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 2);
	ok(c->db, db_migrate_list(c->db, test_list, 3, &applied, &e));
	assert_int_equal(applied, 1);
	ok(c->db, db_migrate_list(c->db, test_list, 3, &applied, &e));
	assert_int_equal(applied, 0);
	ok(c->db, db_migrate_list(c->db, test_list, 3, NULL, &e));
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 5);
	/* The seed row went in once, with its quotes and '?' intact. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM m_one"), 1);
	assert_int_equal(run_text(c->db, "SELECT id FROM m_one WHERE name = ?", "seeded '?' row"),
			 DB_DONE);
	assert_int_equal(
		query_int(c->db, "SELECT COUNT(*) FROM m_one WHERE name = 'seeded ''?'' row'"), 1);
	ok(c->db,
	   db_prepare(c->db,
		      "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
		      &st));
	while (db_step(st) == DB_ROW) {
		assert_int_equal(db_col_int64(st, 0), test_list[rows].version);
		assert_string_equal(db_col_text(st, 1), test_list[rows].name);
		check_applied_at(db_col_text(st, 2));
		rows++;
	}
	db_reset(st);
	assert_int_equal(rows, 3);
}

static void
test_migrate_mismatch_and_order(void **state)
{
	struct ctx *c = *state;
	struct migration renamed = { 1, "renamed", "SELECT 1" };
	struct migration backwards[] = { { 2, "b", "SELECT 1" }, { 1, "a", "SELECT 1" } };
	struct anju_err e;
	int applied = -1, version = -1;

	ok(c->db, db_migrate_list(c->db, test_list, 1, &applied, &e));
	anju_err_clear(&e);
	assert_int_equal(db_migrate_list(c->db, &renamed, 1, &applied, &e), ANJU_EDB);
	assert_string_equal(e.key, "migration_mismatch");
	assert_int_equal(applied, 0);
	anju_err_clear(&e);
	assert_int_equal(db_migrate_list(c->db, backwards, 2, &applied, &e), ANJU_EDB);
	assert_string_equal(e.key, "migration_order");
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 1);
}

static void
test_migrate_failure_rolls_back(void **state)
{
	struct ctx *c = *state;
	const struct migration list[] = {
		{ 1, "good", "CREATE TABLE f_good (id {{ID}});" },
		{ 2, "bad", "CREATE TABLE f_half (id {{ID}});\nCREATE TABL oops (x INTEGER);" },
		{ 3, "never", "CREATE TABLE f_never (id {{ID}});" },
	};
	struct anju_err e;
	char **names;
	size_t n;
	int applied = -1, version = -1;

	anju_err_clear(&e);
	assert_int_equal(db_migrate_list(c->db, list, 3, &applied, &e), ANJU_EDB);
	assert_int_equal(applied, 1);
	assert_non_null(strstr(e.msg, "bad"));
	assert_false(db_in_tx(c->db));
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 1);
	/* The half of migration 2 that ran was rolled back with it. */
	ok(c->db, db_tables(c->db, &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "f_good");
	assert_string_equal(names[1], "schema_migrations");
	free(names);
}

static void
test_migrate_real(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct db_stmt *st;
	char **names;
	size_t n;
	bool job = false, migrations_table = false;
	int applied = -1, version = -1;

	assert_true(migration_count > 0);
	ok(c->db, db_migrate(c->db, &applied, &e));
	assert_int_equal(applied, migration_count);
	ok(c->db, db_migrate(c->db, &applied, &e));
	assert_int_equal(applied, 0);
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, migrations[migration_count - 1].version);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM schema_migrations"),
			 migration_count);
	ok(c->db, db_tables(c->db, &names, &n));
	for (size_t i = 0; i < n; i++) {
		job = job || strcmp(names[i], "job") == 0;
		migrations_table = migrations_table || strcmp(names[i], "schema_migrations") == 0;
	}
	free(names);
	assert_true(job && migrations_table);
	/* {{ID}} became an auto id in the real schema too. */
	ok(c->db,
	   db_prepare(
		   c->db,
		   "INSERT INTO job (kind, state, created_at) VALUES (?, 'queued', ?) RETURNING id",
		   &st));
	db_bind_cstr(st, 1, "selftest");
	db_bind_cstr(st, 2, "2026-11-28T07:03:11.123456Z");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

struct migrator {
	const char *url;
	pthread_barrier_t *start;
	int rc, applied;
};

static void *
migrator_main(void *arg)
{
	struct migrator *m = arg;
	struct anju_err e;
	struct db *db = NULL;

	m->rc = db_open(m->url, &db, &e);
	pthread_barrier_wait(m->start);
	if (m->rc == 0)
		m->rc = db_migrate_list(db, test_list, 3, &m->applied, &e);
	if (m->rc != 0)
		fprintf(stderr, "migrator: %s\n", e.msg);
	db_close(db);
	return NULL;
}

static void
test_migrate_concurrent(void **state)
{
	struct ctx *c = *state;
	pthread_barrier_t start;
	pthread_t t[3];
	struct migrator m[3];
	int total = 0, version = -1;
	struct anju_err e;

	pthread_barrier_init(&start, NULL, 3);
	for (int i = 0; i < 3; i++) {
		m[i] = (struct migrator){ c->t.url, &start, -1, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, migrator_main, &m[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(m[i].rc, 0);
		total += m[i].applied;
	}
	pthread_barrier_destroy(&start);
	/* Three processes' worth of starts, each migration applied once. */
	assert_int_equal(total, 3);
	ok(c->db, db_schema_version(c->db, &version, &e));
	assert_int_equal(version, 5);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM m_one"), 1);
}

static void
test_dialect_ids(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;
	char *s;

	s = db_dialect(c->db, "a {{ID}} b {{ID}} {{OTHER}}");
	if (testdb_is_pg())
		assert_string_equal(
			s, "a BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY b "
			   "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY {{OTHER}}");
	else
		assert_string_equal(s, "a INTEGER PRIMARY KEY AUTOINCREMENT b "
				       "INTEGER PRIMARY KEY AUTOINCREMENT {{OTHER}}");
	free(s);
	s = db_dialect(c->db, "n {{TEXT_C}}");
	assert_string_equal(s, testdb_is_pg() ? "n TEXT COLLATE \"C\"" : "n TEXT");
	free(s);
	s = db_dialect(c->db, "");
	assert_string_equal(s, "");
	free(s);
	/* {{NOW}}: the instant as a quoted literal in the stored format. */
	s = db_dialect(c->db, "x {{NOW}}");
	assert_int_equal(strlen(s), strlen("x '2026-11-28T07:03:11.123456Z'"));
	assert_true(strncmp(s, "x '20", 5) == 0 && s[13] == 'T' && s[22] == '.' && s[29] == 'Z');
	free(s);
	exec_ok(c->db, "CREATE TABLE n (at TEXT NOT NULL); INSERT INTO n (at) VALUES ({{NOW}})");
	assert_int_equal(
		query_int(c->db,
			  "SELECT COUNT(*) FROM n WHERE at LIKE '____-__-__T__:__:__.______Z'"),
		1);

	exec_ok(c->db, "CREATE TABLE d (id {{ID}}, name TEXT NOT NULL)");
	for (int64_t want = 1; want <= 3; want++) {
		ok(c->db, db_prepare(c->db, "INSERT INTO d (name) VALUES (?) RETURNING id", &st));
		db_bind_cstr(st, 1, "x");
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), want);
		assert_string_equal(db_col_name(st, 0), "id");
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_changes(st), 1);
		db_reset(st);
	}
	/* Ids are not reused after a delete, on either engine. */
	assert_int_equal(run_int(c->db, "DELETE FROM d WHERE id = ?", 3), DB_DONE);
	ok(c->db, db_prepare(c->db, "INSERT INTO d (name) VALUES (?) RETURNING id", &st));
	db_bind_cstr(st, 1, "y");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 4);
	db_reset(st);
}

static void
test_bind_types(void **state)
{
	static const char quoted[] = "it's \"quoted\"; -- not a comment ? /* nor this */ \\ $1";
	static const char chinese[] = "中文名字XYZ";
	struct ctx *c = *state;
	struct db_stmt *st;
	int64_t id;

	exec_ok(c->db, "CREATE TABLE b (id {{ID}}, i BIGINT, t TEXT, u TEXT, n1 TEXT, n2 BIGINT,"
		       " e TEXT)");
	ok(c->db,
	   db_prepare(c->db,
		      "INSERT INTO b (i, t, u, n1, n2, e) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		      &st));
	db_bind_int64(st, 1, 42);
	db_bind_cstr(st, 2, quoted);
	/* A slice: only its length is bound, not the rest of the string. */
	db_bind_text(st, 3, chinese, strlen("中文名字"));
	db_bind_cstr(st, 4, NULL);
	db_bind_null(st, 5);
	db_bind_text(st, 6, "", 0);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);

	ok(c->db, db_prepare(c->db, "SELECT i, t, u, n1, n2, e FROM b WHERE id = ?", &st));
	db_bind_int64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_count(st), 6);
	assert_string_equal(db_col_name(st, 0), "i");
	assert_string_equal(db_col_name(st, 2), "u");
	assert_false(db_col_null(st, 0));
	assert_int_equal(db_col_int64(st, 0), 42);
	assert_string_equal(db_col_text(st, 0), "42");
	assert_string_equal(db_col_text(st, 1), quoted);
	assert_int_equal(db_col_len(st, 1), strlen(quoted));
	assert_string_equal(db_col_text(st, 2), "中文名字");
	assert_int_equal(db_col_len(st, 2), 12);
	assert_true(db_col_null(st, 3));
	assert_null(db_col_text(st, 3));
	assert_int_equal(db_col_len(st, 3), 0);
	assert_true(db_col_null(st, 4));
	assert_int_equal(db_col_int64(st, 4), 0);
	/* The empty string is not NULL. */
	assert_false(db_col_null(st, 5));
	assert_string_equal(db_col_text(st, 5), "");
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);

	/* UTF-8 compared by the database itself, and NULL never equal. */
	assert_int_equal(run_text(c->db, "DELETE FROM b WHERE u = ?", "中文名字"), DB_DONE);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM b"), 0);
	ok(c->db, db_prepare(c->db, "SELECT COUNT(*) FROM b WHERE n1 = ?", &st));
	db_bind_null(st, 1);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 0);
	db_reset(st);

	/* Texts bound in place: each row its own buffer, read at the step; a
	 * parameter bound copied before is bound in place after, and NULL is
	 * NULL. */
	{
		char rows[2][16] = { "第一行", "second" };

		ok(c->db,
		   db_prepare(c->db, "INSERT INTO b (i, t, u) VALUES (1, ?, ?), (2, ?, ?)", &st));
		db_bind_cstr(st, 1, "copied, then replaced");
		db_bind_static(st, 1, rows[0]);
		db_bind_static(st, 2, NULL);
		db_bind_static(st, 3, rows[1]);
		db_bind_static(st, 4, chinese);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
		assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM b WHERE i = 1 AND t ="
						  " '第一行' AND u IS NULL"),
				 1);
		assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM b WHERE i = 2 AND t ="
						  " 'second' AND u = '中文名字XYZ'"),
				 1);
	}
}

static void
test_bind_errors(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT)", &st));
	db_bind_int64(st, 2, 1);
	assert_int_equal(db_step(st), ANJU_EDB);
	assert_non_null(strstr(db_errmsg(c->db), "2"));
	/* The reset clears the failed bind too. */
	db_reset(st);
	db_bind_int64(st, 1, 9);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 9);
	db_reset(st);

	assert_int_equal(db_prepare(c->db, "SELEC oops", &st), ANJU_EDB);
	assert_null(st);
	assert_true(strlen(db_errmsg(c->db)) > 0);
	assert_int_equal(db_prepare(c->db, "SELECT 1; SELECT 2", &st), ANJU_EDB);
	assert_int_equal(db_prepare(c->db, "SELECT 3 AS x; -- trailing words\n", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);
}

static void
test_int64_extremes(void **state)
{
	static const int64_t values[] = { INT64_MIN, INT64_MIN + 1, -1,       0,
					  1,         INT64_MAX - 1, INT64_MAX };
	static const char *const texts[] = {
		"-9223372036854775808", "-9223372036854775807", "-1", "0", "1",
		"9223372036854775806",  "9223372036854775807"
	};
	struct ctx *c = *state;
	struct db_stmt *st;
	size_t n = sizeof(values) / sizeof(values[0]), i = 0;

	exec_ok(c->db, "CREATE TABLE v (i BIGINT NOT NULL)");
	for (i = 0; i < n; i++)
		assert_int_equal(run_int(c->db, "INSERT INTO v (i) VALUES (?)", values[i]),
				 DB_DONE);
	ok(c->db, db_prepare(c->db, "SELECT i FROM v ORDER BY i", &st));
	for (i = 0; db_step(st) == DB_ROW; i++) {
		assert_true(i < n);
		assert_true(db_col_int64(st, 0) == values[i]);
		assert_string_equal(db_col_text(st, 0), texts[i]);
	}
	db_reset(st);
	assert_int_equal(i, n);
	/* And as parameters compared by the server. */
	ok(c->db, db_prepare(c->db, "SELECT COUNT(*) FROM v WHERE i = ? OR i = ?", &st));
	db_bind_int64(st, 1, INT64_MIN);
	db_bind_int64(st, 2, INT64_MAX);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 2);
	db_reset(st);
}

static void
test_unique_conflict(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	exec_ok(c->db, "CREATE TABLE u (id {{ID}}, k TEXT NOT NULL UNIQUE)");
	assert_int_equal(run_text(c->db, "INSERT INTO u (k) VALUES (?)", "a"), DB_DONE);
	assert_int_equal(run_text(c->db, "INSERT INTO u (k) VALUES (?)", "a"), ANJU_ECONFLICT);
	assert_true(strlen(db_errmsg(c->db)) > 0);
	/* A primary key is unique too. */
	ok(c->db, db_prepare(c->db, "INSERT INTO u (id, k) VALUES (?, ?)", &st));
	db_bind_int64(st, 1, 1);
	db_bind_cstr(st, 2, "b");
	assert_int_equal(db_step(st), ANJU_ECONFLICT);
	/* The same statement runs again after its failure. */
	db_reset(st);
	db_bind_int64(st, 1, 7);
	db_bind_cstr(st, 2, "b");
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
	/* Other constraints are not conflicts but mistakes. */
	assert_int_equal(run_text(c->db, "INSERT INTO u (k) VALUES (?)", NULL), ANJU_EDB);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM u"), 2);
}

static void
test_fk_conflict(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;
	int64_t parent;

	exec_ok(c->db,
		"CREATE TABLE parent (id {{ID}}, name TEXT NOT NULL);\n"
		"CREATE TABLE child (id {{ID}}, parent_id BIGINT NOT NULL REFERENCES parent (id))");
	assert_int_equal(run_int(c->db, "INSERT INTO child (parent_id) VALUES (?)", 999),
			 ANJU_ECONFLICT);
	ok(c->db, db_prepare(c->db, "INSERT INTO parent (name) VALUES ('p') RETURNING id", &st));
	assert_int_equal(db_step(st), DB_ROW);
	parent = db_col_int64(st, 0);
	db_reset(st);
	assert_int_equal(run_int(c->db, "INSERT INTO child (parent_id) VALUES (?)", parent),
			 DB_DONE);
	assert_int_equal(run_int(c->db, "DELETE FROM parent WHERE id = ?", parent), ANJU_ECONFLICT);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM parent"), 1);
}

static void
test_transactions(void **state)
{
	struct ctx *c = *state;

	exec_ok(c->db, "CREATE TABLE tx (k TEXT PRIMARY KEY)");
	assert_false(db_in_tx(c->db));
	db_rollback(c->db); /* no-op outside */
	assert_int_equal(db_commit(c->db), ANJU_EDB);

	ok(c->db, db_begin(c->db));
	assert_true(db_in_tx(c->db));
	assert_int_equal(db_begin(c->db), ANJU_EDB); /* not nested */
	assert_true(db_in_tx(c->db));
	assert_int_equal(run_text(c->db, "INSERT INTO tx (k) VALUES (?)", "kept"), DB_DONE);
	ok(c->db, db_commit(c->db));
	assert_false(db_in_tx(c->db));

	ok(c->db, db_begin(c->db));
	assert_int_equal(run_text(c->db, "INSERT INTO tx (k) VALUES (?)", "dropped"), DB_DONE);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM tx"), 2);
	db_rollback(c->db);
	assert_false(db_in_tx(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM tx"), 1);
	assert_int_equal(run_text(c->db, "SELECT k FROM tx WHERE k = ?", "kept"), DB_DONE);

	/* The lock needs a transaction, and is then taken. */
	assert_int_equal(db_tx_lock(c->db, 42), ANJU_EDB);
	ok(c->db, db_begin(c->db));
	ok(c->db, db_tx_lock(c->db, 42));
	ok(c->db, db_commit(c->db));
}

static void
test_failed_statement_in_tx(void **state)
{
	struct ctx *c = *state;
	int rc;

	exec_ok(c->db, "CREATE TABLE ft (k TEXT PRIMARY KEY)");
	assert_int_equal(run_text(c->db, "INSERT INTO ft (k) VALUES (?)", "before"), DB_DONE);
	ok(c->db, db_begin(c->db));
	assert_int_equal(run_text(c->db, "INSERT INTO ft (k) VALUES (?)", "a"), DB_DONE);
	assert_int_equal(run_text(c->db, "INSERT INTO ft (k) VALUES (?)", "before"),
			 ANJU_ECONFLICT);
	assert_true(db_in_tx(c->db));
	db_rollback(c->db);
	assert_false(db_in_tx(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM ft"), 1);

	/* Committing after a failure: PostgreSQL has aborted the transaction and
	 * db_commit says so instead of reporting success. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(run_text(c->db, "INSERT INTO ft (k) VALUES (?)", "b"), DB_DONE);
	assert_int_equal(run_text(c->db, "INSERT INTO ft (k) VALUES (?)", "before"),
			 ANJU_ECONFLICT);
	rc = db_commit(c->db);
	if (testdb_is_pg()) {
		assert_int_equal(rc, ANJU_EDB);
		assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM ft"), 1);
	} else {
		db_rollback(c->db);
	}
	assert_false(db_in_tx(c->db));
}

static void
test_snapshot(void **state)
{
	struct ctx *c = *state;
	struct db *other = NULL;
	struct anju_err e;

	exec_ok(c->db, "CREATE TABLE snap (k TEXT PRIMARY KEY)");
	assert_int_equal(run_text(c->db, "INSERT INTO snap (k) VALUES (?)", "one"), DB_DONE);
	ok(NULL, db_open(c->t.url, &other, &e));
	ok(c->db, db_begin_snapshot(c->db));
	assert_true(db_in_tx(c->db));
	/* The snapshot is taken at the first read. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM snap"), 1);
	assert_int_equal(run_text(other, "INSERT INTO snap (k) VALUES (?)", "two"), DB_DONE);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM snap"), 1);
	ok(c->db, db_commit(c->db));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM snap"), 2);
	db_close(other);
}

static void
test_changes(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	exec_ok(c->db, "CREATE TABLE ch (id {{ID}}, g BIGINT NOT NULL)");
	exec_ok(c->db, "INSERT INTO ch (g) VALUES (1), (1), (2)");
	ok(c->db, db_prepare(c->db, "UPDATE ch SET g = g + 10 WHERE g = ?", &st));
	db_bind_int64(st, 1, 1);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 2);
	db_reset(st);
	db_bind_int64(st, 1, 99);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 0);
	db_reset(st);
	/* A SELECT changes nothing, however many rows it returns. */
	ok(c->db, db_prepare(c->db, "SELECT id FROM ch", &st));
	while (db_step(st) == DB_ROW)
		;
	assert_int_equal(db_changes(st), 0);
	db_reset(st);
	ok(c->db, db_prepare(c->db, "DELETE FROM ch", &st));
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 3);
	db_reset(st);
}

static void
test_statement_cache(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *a, *b, *d;

	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) AS v", &a));
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) AS v", &b));
	assert_ptr_equal(a, b);
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) AS w", &d));
	assert_ptr_not_equal(a, d);
	/* Given back reset and unbound, even in the middle of its rows. */
	db_bind_int64(a, 1, 7);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_col_int64(a, 0), 7);
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) AS v", &b));
	assert_ptr_equal(a, b);
	assert_int_equal(db_step(b), DB_ROW);
	assert_true(db_col_null(b, 0));
	db_reset(b);
	/* Many statements: the cache grows and still finds each one.  Each
	 * text comes in the same buffer, at the same address as the one
	 * before: db_prepare must not take the address for the text. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 200; i++) {
			char sql[64];
			struct db_stmt *st;

			snprintf(sql, sizeof(sql), "SELECT %d + CAST(? AS BIGINT)", i);
			ok(c->db, db_prepare(c->db, sql, &st));
			db_bind_int64(st, 1, round);
			assert_int_equal(db_step(st), DB_ROW);
			assert_int_equal(db_col_int64(st, 0), i + round);
			db_reset(st);
		}
	}
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) AS v", &b));
	assert_ptr_equal(a, b);
	/* Stepping again after DB_DONE runs the statement again. */
	db_bind_int64(b, 1, 5);
	assert_int_equal(db_step(b), DB_ROW);
	assert_int_equal(db_step(b), DB_DONE);
	assert_int_equal(db_step(b), DB_ROW);
	assert_int_equal(db_col_int64(b, 0), 5);
	db_reset(b);
}

static void
test_placeholders(void **state)
{
	static const struct {
		const char *in, *out;
		int n;
	} cases[] = {
		{ "SELECT 1", "SELECT 1", 0 },
		{ "SELECT ?, '?', \"a?\", ? -- ?\n, ? /* ? */, 'it''s ?', ?",
		  "SELECT $1, '?', \"a?\", $2 -- ?\n, $3 /* ? */, 'it''s ?', $4", 4 },
		{ "SELECT '?", "SELECT '?", 0 },
		{ "SELECT ? -- ?", "SELECT $1 -- ?", 1 },
		{ "?????????????", "$1$2$3$4$5$6$7$8$9$10$11$12$13", 13 },
		{ "", "", 0 },
	};
	struct ctx *c = *state;
	struct db_stmt *st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = -1;
		char *s = db_pg_placeholders(cases[i].in, &n);

		assert_non_null(s);
		assert_string_equal(s, cases[i].out);
		assert_int_equal(n, cases[i].n);
		free(s);
	}
	/* And through the engine: literals keep their '?'. */
	ok(c->db, db_prepare(c->db,
			     "SELECT 'a?b' AS x, -- what?\n CAST(? AS BIGINT) AS y,"
			     " 'it''s ?' AS z, 1 AS \"w?\"",
			     &st));
	db_bind_int64(st, 1, 11);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "a?b");
	assert_int_equal(db_col_int64(st, 1), 11);
	assert_string_equal(db_col_text(st, 2), "it's ?");
	assert_string_equal(db_col_name(st, 3), "w?");
	db_reset(st);
}

static void
test_on_conflict(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	exec_ok(c->db, "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)");
	for (int i = 0; i < 2; i++) {
		ok(c->db,
		   db_prepare(c->db,
			      "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING",
			      &st));
		db_bind_cstr(st, 1, "a");
		db_bind_int64(st, 2, 10 + i);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_changes(st), i == 0 ? 1 : 0);
		db_reset(st);
	}
	assert_int_equal(query_int(c->db, "SELECT v FROM kv"), 10);
	ok(c->db, db_prepare(c->db,
			     "INSERT INTO kv (k, v) VALUES (?, ?)"
			     " ON CONFLICT (k) DO UPDATE SET v = excluded.v RETURNING v",
			     &st));
	db_bind_cstr(st, 1, "a");
	db_bind_int64(st, 2, 20);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 20);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 1);
	db_reset(st);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM kv"), 1);
}

static void
test_tables(void **state)
{
	struct ctx *c = *state;
	char **names = NULL;
	size_t n = 99;

	ok(c->db, db_tables(c->db, &names, &n));
	assert_int_equal(n, 0);
	free(names);
	/* {{ID}} makes SQLite create sqlite_sequence: not one of ours. */
	exec_ok(c->db, "CREATE TABLE b_t (id {{ID}});\n"
		       "CREATE TABLE a_t (id {{ID}}, x TEXT);\n"
		       "CREATE INDEX a_t_x ON a_t (x);\n"
		       "CREATE VIEW v_t AS SELECT id FROM a_t;\n"
		       "CREATE TABLE c_t (x TEXT);\n"
		       "INSERT INTO a_t (x) VALUES ('x')");
	ok(c->db, db_tables(c->db, &names, &n));
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a_t");
	assert_string_equal(names[1], "b_t");
	assert_string_equal(names[2], "c_t");
	free(names);
}

static void
test_sync_id_sequence(void **state)
{
	/* The last is 64 characters, one more than PostgreSQL keeps. */
	static const char *const bad[] = {
		"",    "T",      "1a",
		"a-b", "x;drop", "a\"b",
		"r ",  " r",     "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
	};
	struct ctx *c = *state;
	struct db_stmt *st;

	exec_ok(c->db, "CREATE TABLE r (id {{ID}}, x TEXT)");
	exec_ok(c->db, "INSERT INTO r (id, x) VALUES (1, 'a'), (2, 'b'), (100, 'c')");
	if (testdb_is_pg()) {
		/* What a restore leaves behind: the sequence has not moved. */
		assert_int_equal(run_text(c->db, "INSERT INTO r (x) VALUES (?)", "d"),
				 ANJU_ECONFLICT);
	}
	ok(c->db, db_sync_id_sequence(c->db, "r"));
	ok(c->db, db_sync_id_sequence(c->db, "r"));
	ok(c->db, db_prepare(c->db, "INSERT INTO r (x) VALUES (?) RETURNING id", &st));
	db_bind_cstr(st, 1, "e");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 101);
	db_reset(st);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(db_sync_id_sequence(c->db, bad[i]), ANJU_EINVAL);
	assert_int_equal(db_sync_id_sequence(c->db, NULL), ANJU_EINVAL);
	/* 63 characters is the longest name, valid though absent here. */
	assert_int_not_equal(db_sync_id_sequence(c->db, "abcdefghijabcdefghijabcdefghijabcdefghij"
							"abcdefghijabcdefghijabc"),
			     ANJU_EINVAL);
	/* An empty table starts at 1. */
	exec_ok(c->db, "CREATE TABLE empty_t (id {{ID}}, x TEXT)");
	ok(c->db, db_sync_id_sequence(c->db, "empty_t"));
	assert_int_equal(query_int(c->db, "INSERT INTO empty_t (x) VALUES ('a') RETURNING id"), 1);
	if (testdb_is_pg()) {
		assert_int_equal(db_sync_id_sequence(c->db, "no_such_table"), ANJU_EDB);
		exec_ok(c->db, "CREATE TABLE no_seq (id BIGINT PRIMARY KEY)");
		assert_int_equal(db_sync_id_sequence(c->db, "no_seq"), ANJU_EDB);
	}
}

struct worker {
	pthread_barrier_t *all_open;
	struct db *db, *again;
	int rc;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct anju_err e;

	w->db = db_thread(&e);
	w->again = db_thread(&e);
	if (w->db == NULL) {
		fprintf(stderr, "worker: %s\n", e.msg);
		w->rc = -1;
	} else {
		struct db_stmt *st;

		w->rc = db_prepare(w->db, "INSERT INTO th (who) VALUES (?)", &st);
		if (w->rc == 0) {
			db_bind_int64(st, 1, (int64_t)(uintptr_t)w->db);
			w->rc = db_step(st);
			db_reset(st);
		}
	}
	/* All connections are open at once, so none can reuse another's memory. */
	pthread_barrier_wait(w->all_open);
	return NULL;
}

static void
test_threads(void **state)
{
	struct ctx *c = *state;
	struct worker w[2];
	pthread_t t[2];
	pthread_barrier_t all_open;
	struct db *mine;
	struct anju_err e;

	db_pool_close(); /* harmless when not set up */
	assert_null(db_thread(&e));
	exec_ok(c->db, "CREATE TABLE th (who BIGINT NOT NULL)");
	ok(NULL, db_pool_init(c->t.url, &e));
	assert_int_equal(db_pool_init(c->t.url, &e), ANJU_EINVAL);
	mine = db_thread(&e);
	assert_non_null(mine);
	assert_ptr_equal(db_thread(&e), mine);
	assert_ptr_not_equal(mine, c->db);

	pthread_barrier_init(&all_open, NULL, 3);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ &all_open, NULL, NULL, -1 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	pthread_barrier_wait(&all_open);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&all_open);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w[i].rc, DB_DONE);
		assert_non_null(w[i].db);
		assert_ptr_equal(w[i].db, w[i].again);
		assert_ptr_not_equal(w[i].db, mine);
	}
	assert_ptr_not_equal(w[0].db, w[1].db);
	assert_int_equal(query_int(c->db, "SELECT COUNT(DISTINCT who) FROM th"), 2);
	assert_int_equal(query_int(mine, "SELECT COUNT(*) FROM th"), 2);
	db_pool_close();
	assert_null(db_thread(&e));
	/* Set up again after a close. */
	ok(NULL, db_pool_init(c->t.url, &e));
	assert_non_null(db_thread(&e));
	db_pool_close();
}

static void
test_sqlite_pragmas(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	if (testdb_is_pg())
		skip();
	ok(c->db, db_prepare(c->db, "PRAGMA journal_mode", &st));
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "wal");
	db_reset(st);
	assert_int_equal(query_int(c->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(c->db, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(query_int(c->db, "PRAGMA busy_timeout"), 10000);
	/* A small database keeps SQLite's default page cache. */
	assert_int_equal(query_int(c->db, "PRAGMA cache_size"), -2000);
}

/* The page cache follows the file's size (1/64, from 2,000 KiB to 64 MiB);
 * db_cache_reset() puts back what a job raised.  The files are made large
 * by extending them sparsely: SQLite reads only the pages its header counts. */
static void
test_sqlite_cache(void **state)
{
	char dir[256], path[300], url[320];
	struct anju_err e;
	struct db *db;

	(void)state;
	if (testdb_is_pg())
		skip();
	assert_int_equal(testdb_mkdtemp(dir, sizeof(dir), "anju-cache"), 0);
	snprintf(path, sizeof(path), "%s/c.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	ok(NULL, db_open(url, &db, &e));
	exec_ok(db, "CREATE TABLE t (x INTEGER)");
	assert_int_equal(query_int(db, "PRAGMA cache_size"), -2000);
	db_close(db);

	assert_int_equal(truncate(path, 256LL * 1024 * 1024), 0);
	ok(NULL, db_open(url, &db, &e));
	assert_int_equal(query_int(db, "PRAGMA cache_size"), -4096);
	exec_ok(db, "PRAGMA cache_size = -262144");
	db_cache_reset(db);
	assert_int_equal(query_int(db, "PRAGMA cache_size"), -4096);
	db_close(db);

	assert_int_equal(truncate(path, 8LL * 1024 * 1024 * 1024), 0);
	ok(NULL, db_open(url, &db, &e));
	assert_int_equal(query_int(db, "PRAGMA cache_size"), -65536);
	db_close(db);
	testdb_rmtree(dir);
}

static void
test_pg_session(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	if (!testdb_is_pg())
		skip();
	ok(c->db, db_prepare(c->db,
			     "SELECT current_setting('TimeZone'),"
			     " current_setting('client_encoding'), current_schema()",
			     &st));
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "UTC");
	assert_string_equal(db_col_text(st, 1), "UTF8");
	assert_string_equal(db_col_text(st, 2), c->t.schema);
	db_reset(st);
	/* A NUL byte cannot be stored in PostgreSQL text: refused, not cut. */
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS TEXT)", &st));
	db_bind_text(st, 1, "a\0b", 3);
	assert_int_equal(db_step(st), ANJU_EDB);
	db_reset(st);
}

/* Ends db's server session from the admin connection and waits for it. */
static void
kill_backend(struct db *db)
{
	int64_t pid = query_int(db, "SELECT pg_backend_pid()");
	struct db_stmt *st;

	ok(pg_admin,
	   db_prepare(pg_admin, "SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)", &st));
	db_bind_int64(st, 1, pid);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "t");
	db_reset(st);
}

static void
test_pg_reconnect(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st, *again;
	struct db *pooled;
	struct anju_err e;

	if (!testdb_is_pg())
		skip();
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) + 1", &st));
	db_bind_int64(st, 1, 1);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);

	kill_backend(c->db);
	db_bind_int64(st, 1, 1);
	assert_true(db_step(st) < 0);
	db_reset(st);
	assert_false(db_in_tx(c->db));
	/* The next use re-connects and prepares the statement again. */
	ok(c->db, db_prepare(c->db, "SELECT CAST(? AS BIGINT) + 1", &again));
	assert_ptr_equal(again, st);
	db_bind_int64(st, 1, 41);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 42);
	db_reset(st);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM information_schema.tables"
					  " WHERE table_schema = current_schema()"),
			 0);

	/* Lost inside a transaction: an error, a rollback, then it works. */
	ok(c->db, db_begin(c->db));
	kill_backend(c->db);
	db_bind_int64(st, 1, 1);
	assert_true(db_step(st) < 0);
	db_reset(st);
	assert_true(db_in_tx(c->db));
	db_rollback(c->db);
	assert_false(db_in_tx(c->db));
	assert_int_equal(query_int(c->db, "SELECT 5"), 5);

	/* The pool re-opens a broken connection too. */
	ok(NULL, db_pool_init(c->t.url, &e));
	pooled = db_thread(&e);
	assert_non_null(pooled);
	assert_int_equal(query_int(pooled, "SELECT 6"), 6);
	ok(pooled, db_prepare(pooled, "SELECT 7", &st));
	kill_backend(pooled);
	assert_true(db_step(st) < 0);
	db_reset(st);
	assert_ptr_equal(db_thread(&e), pooled);
	assert_int_equal(query_int(pooled, "SELECT 7"), 7);
	db_pool_close();
}

static void
test_pg_advisory_lock(void **state)
{
	struct ctx *c = *state;
	struct db_stmt *st;

	if (!testdb_is_pg())
		skip();
	ok(c->db, db_begin(c->db));
	ok(c->db, db_tx_lock(c->db, 4242));
	ok(pg_admin, db_prepare(pg_admin, "SELECT pg_try_advisory_lock(CAST(? AS BIGINT))", &st));
	db_bind_int64(st, 1, 4242);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "f");
	db_reset(st);
	ok(c->db, db_commit(c->db));
	/* Released with the transaction. */
	db_bind_int64(st, 1, 4242);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "t");
	db_reset(st);
	ok(pg_admin, db_exec(pg_admin, "SELECT pg_advisory_unlock_all()"));
}

static void
test_exec(void **state)
{
	struct ctx *c = *state;

	exec_ok(c->db, "CREATE TABLE e1 (x BIGINT); CREATE TABLE e2 (y TEXT);"
		       " INSERT INTO e1 (x) VALUES (1), (2);");
	assert_int_equal(query_int(c->db, "SELECT SUM(x) FROM e1"), 3);
	assert_int_equal(db_exec(c->db, "CREATE TABL nope (x INTEGER)"), ANJU_EDB);
	assert_true(strlen(db_errmsg(c->db)) > 0);
	/* db_exec's codes are coarse; the conflict shows in the message. */
	exec_ok(c->db, "CREATE TABLE e3 (x BIGINT PRIMARY KEY); INSERT INTO e3 VALUES (1)");
	assert_int_equal(db_exec(c->db, "INSERT INTO e3 VALUES (1)"), ANJU_EDB);
	exec_ok(c->db, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_open_close),
		T(test_bad_url),
		T(test_migrate_list),
		T(test_migrate_mismatch_and_order),
		T(test_migrate_failure_rolls_back),
		T(test_migrate_real),
		T(test_migrate_concurrent),
		T(test_dialect_ids),
		T(test_bind_types),
		T(test_bind_errors),
		T(test_int64_extremes),
		T(test_unique_conflict),
		T(test_fk_conflict),
		T(test_transactions),
		T(test_failed_statement_in_tx),
		T(test_snapshot),
		T(test_changes),
		T(test_statement_cache),
		T(test_placeholders),
		T(test_on_conflict),
		T(test_tables),
		T(test_sync_id_sequence),
		T(test_threads),
		T(test_sqlite_pragmas),
		T(test_sqlite_cache),
		T(test_pg_session),
		T(test_pg_reconnect),
		T(test_pg_advisory_lock),
		T(test_exec),
#undef T
	};

	return cmocka_run_group_tests_name("store", tests, group_setup, group_teardown);
}
