/*
 * The rows the money suites (test_payments, test_ledger, test_receipt) and
 * the case suites (test_dunning, test_recheck, test_violation) set
 * up with SQL before the money module takes over: communities, households,
 * accounts of clerks, receipt books; and one-value queries.
 *
 * Header-only, static: include once, after testdb.h.
 */
#ifndef ANJU_TESTS_TESTMONEY_H
#define ANJU_TESTS_TESTMONEY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/scope.h"
#include "core/date.h"
#include "files/files.h"
#include "store/migrate.h"

#define TM_TIME "'2026-01-01T00:00:00.000000Z'"

/* The id a one-row INSERT ... RETURNING id gives, with text as its one
 * parameter when not NULL. */
static inline int64_t
tm_insert_id(struct db *db, const char *sql, const char *text)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db, sql, &st));
	if (text != NULL)
		db_bind_cstr(st, 1, text);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* The first column of a one-row query, with arg as its one parameter when it
 * has one. */
static inline int64_t
tm_qint(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v;

	ok(db, db_prepare(db, sql, &st));
	if (strchr(sql, '?') != NULL)
		db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

/* The first column of a one-row query with arg as its parameter, as text
 * into out ("" for NULL). */
static inline void
tm_qtext(struct db *db, const char *sql, int64_t arg, char *out, size_t cap)
{
	struct db_stmt *st;

	ok(db, db_prepare(db, sql, &st));
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(out, cap, "%s", db_col_null(st, 0) ? "" : db_col_text(st, 0));
	db_reset(st);
}

/* The n-th fictitious resident ID number: region 99 (no province), born in
 * 1985, with a valid check digit (GB 11643). */
static inline void
tm_idnum(int n, char out[19])
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	char tmp[40];
	int sum = 0;

	snprintf(tmp, sizeof(tmp), "9901011985%02d%02d%03d", 1 + n / 28 % 12, 1 + n % 28, n % 1000);
	memcpy(out, tmp, 17);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

static inline int64_t
tm_community(struct db *db, const char *name)
{
	return tm_insert_id(
		db,
		"INSERT INTO community (name, created_at, updated_at) VALUES (?, " TM_TIME
		", " TM_TIME ") RETURNING id",
		name);
}

static inline int64_t
tm_household(struct db *db, int64_t community)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db,
			  "INSERT INTO household (community_id, category, state, created_at,"
			  " updated_at) VALUES (?, 'low_income', 'active', " TM_TIME ", " TM_TIME
			  ") RETURNING id",
			  &st));
	db_bind_int64(st, 1, community);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* An account of role in state ("active", "disabled"). */
static inline int64_t
tm_account(struct db *db, const char *username, const char *display, const char *role,
	   const char *state)
{
	struct db_stmt *st;
	int64_t id;

	ok(db, db_prepare(db,
			  "INSERT INTO account (username, display_name, role, state, password_hash,"
			  " created_at, created_by, updated_at, password_changed_at)"
			  " VALUES (?, ?, ?, ?, 'x', " TM_TIME ", 'system', " TM_TIME ", " TM_TIME
			  ") RETURNING id",
			  &st));
	db_bind_cstr(st, 1, username);
	db_bind_cstr(st, 2, display);
	db_bind_cstr(st, 3, role);
	db_bind_cstr(st, 4, state);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/* An open paper book of numbers first..last handed to account (0: none). */
static inline int64_t
tm_book(struct db *db, const char *series, int64_t first, int64_t last, int64_t account)
{
	struct db_stmt *st;
	int64_t id;

	ok(db,
	   db_prepare(db,
		      "INSERT INTO receipt_book (kind, series, first_no, last_no, next_no,"
		      " received_on, received_by, clerk_account_id, handed_at, state, created_at)"
		      " VALUES ('paper', ?, ?, ?, ?, '2026-01-02', '财务 张三', ?, " TM_TIME
		      ", 'open', " TM_TIME ") RETURNING id",
		      &st));
	db_bind_cstr(st, 1, series);
	db_bind_int64(st, 2, first);
	db_bind_int64(st, 3, last);
	db_bind_int64(st, 4, first);
	if (account > 0)
		db_bind_int64(st, 5, account);
	else
		db_bind_null(st, 5);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_int64(st, 0);
	db_reset(st);
	return id;
}

/*
 * The ground the case suites (test_dunning, test_recheck, test_violation)
 * stand on: a migrated database; a files root of their own,
 * /tmp/anju-<suite>-files-XXXXXX; today in Asia/Shanghai; two communities
 * (南苑公租房, 肖桥公租房) with a building in the first; and operator staff
 * account:3 granted only the second.  0, or -1 when the database or the
 * folder cannot be had.  tm_ground_close() undoes it.
 */
static inline int
tm_ground_open(const char *suite, struct testdb *t, struct db **db, char files[128],
	       char today[DATE_FMT_LEN], int64_t *community, int64_t *community2, int64_t *building)
{
	struct anju_err e;
	int64_t grant;

	if (testdb_open(t, db) != 0 || db_migrate(*db, NULL, &e) != 0)
		return -1;
	snprintf(files, 128, "/tmp/anju-%s-files-XXXXXX", suite);
	if (mkdtemp(files) == NULL)
		return -1;
	files_set_root(files);
	date_format(date_today_shanghai(), today);
	*community = tm_community(*db, "南苑公租房");
	*community2 = tm_community(*db, "肖桥公租房");
	*building =
		tm_qint(*db,
			"INSERT INTO building (community_id, name, floors, entrances, created_at)"
			" VALUES (?, '3', 18, 2, " TM_TIME ") RETURNING id",
			*community);
	grant = *community2;
	ok(*db, scope_set(*db, "account:3", &grant, 1, &e));
	return 0;
}

static inline void
tm_ground_close(struct testdb *t, struct db *db, const char *files)
{
	testdb_close(t, db);
	testdb_rmtree(files);
}

#endif
