/*
 * Unit tests of the audit trail on a real database (SQLite, or PostgreSQL
 * with ANJU_TEST_DB_URL): an intact chain across verification pages; a
 * changed byte, a deleted row and a cut tail each named; the wrong key; the
 * canonical encoding pinned to bytes and a MAC computed outside anju (Python's
 * hmac with SM3), the same on both engines; canonical JSON and redaction;
 * the auditor's filters and pages; concurrent appends that never fork.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/crypto.h"
#include "core/date.h"
#include "store/migrate.h"
#include "testdb.h"

static const uint8_t key1[32] = { 0x11, 0x22, 0x33, 0x44 };
static const uint8_t key2[32] = { 0x11, 0x22, 0x33, 0x45 };

struct ctx {
	struct testdb t;
	struct db *db;
};

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0)
		return -1;
	if (db_migrate(c->db, NULL, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	audit_set_key(key1, sizeof(key1));
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

/* Appends n varied rows, a few hundred per transaction, the way modules do. */
static void
append(struct db *db, int n)
{
	static const char *const actions[] = { "account.create", "account.update", "session.login",
					       "session.login_failed", "apikey.revoke" };
	struct anju_err e;

	for (int i = 0; i < n; i++) {
		struct audit_actor who = { "account:7", "王五", "security", "198.51.100.4",
					   "0123456789abcdef" };
		char oid[24];
		json_t *before = NULL, *after;
		int rc;

		if (i % 300 == 0)
			ok(db, db_begin(db));
		if (i % 3 == 0)
			who = (struct audit_actor){ "system", NULL, NULL, NULL, NULL };
		snprintf(oid, sizeof(oid), "%d", i % 17);
		if (i % 2 == 0)
			before = json_pack("{s:i, s:s}", "n", i, "state", "active");
		after = json_pack("{s:i, s:s, s:s}", "n", i + 1, "state", "disabled", "name",
				  "张三");
		rc = audit_write(db, &who, actions[i % 5], "account", oid, before, after, &e);
		if (rc != 0)
			fail_msg("audit_write %d: %s", i, e.msg);
		json_decref(before);
		json_decref(after);
		if (i % 300 == 299 || i == n - 1)
			ok(db, db_commit(db));
	}
}

static int
verify(struct db *db, const char *head, int64_t *rows, int64_t *bad, char *why, size_t n)
{
	struct anju_err e;

	return audit_verify(db, head, rows, bad, why, n, NULL, NULL, &e);
}

/* Asserts the chain is broken first at row bad, why mentioning what. */
static void
assert_broken(struct db *db, const char *head, int64_t bad, const char *what)
{
	int64_t rows = 0, got = 0;
	char why[512];

	assert_int_equal(verify(db, head, &rows, &got, why, sizeof(why)), ANJU_EUNPROCESSABLE);
	if (got != bad || strstr(why, what) == NULL)
		fail_msg("expected row %lld (%s), got row %lld: %s", (long long)bad, what,
			 (long long)got, why);
	assert_true(rows < bad);
}

static void
assert_intact(struct db *db, const char *head, int64_t rows)
{
	int64_t got = -1, bad = 0;
	char why[512];
	int rc = verify(db, head, &got, &bad, why, sizeof(why));

	if (rc != 0)
		fail_msg("verify: rc %d, row %lld: %s", rc, (long long)bad, why);
	assert_int_equal(got, rows);
	assert_int_equal(bad, 0);
}

static void
head_line(struct db *db, char out[96])
{
	struct anju_err e;
	int64_t id = 0;
	char mac[65];

	assert_int_equal(audit_head(db, &id, mac, &e), 0);
	snprintf(out, 96, "%lld %s", (long long)id, mac);
}

/* The text of one column of one row (a new string, NULL for NULL). */
static char *
column(struct db *db, const char *col, int64_t id)
{
	struct buf sql;
	struct db_stmt *st;
	char *v = NULL;

	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT %s FROM audit_log WHERE id = ?", col);
	ok(db, db_prepare(db, sql.p, &st));
	db_bind_int64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	if (!db_col_null(st, 0))
		v = xstrdup(db_col_text(st, 0));
	db_reset(st);
	buf_free(&sql);
	return v;
}

static void
set_column(struct db *db, const char *col, int64_t id, const char *v)
{
	struct buf sql;
	struct db_stmt *st;

	buf_init(&sql, 0);
	buf_printf(&sql, "UPDATE audit_log SET %s = ? WHERE id = ?", col);
	ok(db, db_prepare(db, sql.p, &st));
	db_bind_cstr(st, 1, v);
	db_bind_int64(st, 2, id);
	assert_int_equal(step_to_end(st), DB_DONE);
	buf_free(&sql);
}

/* Flips one bit of one byte of a column, the way a disk or a person might. */
static void
flip_byte(struct db *db, const char *col, int64_t id, size_t at)
{
	char *v = column(db, col, id);

	assert_non_null(v);
	assert_true(at < strlen(v));
	v[at] ^= 0x01;
	set_column(db, col, id, v);
	free(v);
}

static int progress_calls;
static int64_t progress_done_last;

static void
on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
	(void)ud;
	(void)note;
	assert_true(done >= progress_done_last);
	assert_true(done <= total);
	progress_calls++;
	progress_done_last = done;
}

static void
test_intact_chain(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char early[96], head[96], why[512], *mac;
	int64_t rows = 0, bad = 0;

	append(c->db, 1200);
	head_line(c->db, early);
	mac = column(c->db, "mac", 1200);
	assert_string_equal(early + 5, mac);
	free(mac);
	append(c->db, 1300);
	progress_calls = 0;
	progress_done_last = 0;
	assert_int_equal(
		audit_verify(c->db, NULL, &rows, &bad, why, sizeof(why), on_progress, NULL, &e), 0);
	assert_int_equal(rows, 2500);
	assert_int_equal(progress_calls, 3); /* pages of 1000, 1000, 500 */
	assert_int_equal(progress_done_last, 2500);
	/* The current head, and an older one (the trail grew since): both fine. */
	head_line(c->db, head);
	assert_true(strncmp(head, "2500 ", 5) == 0);
	assert_intact(c->db, head, 2500);
	assert_intact(c->db, early, 2500);
	/* Upper-case hex and surrounding white space are the same head. */
	for (char *p = head; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	{
		char spaced[128];

		snprintf(spaced, sizeof(spaced), "  %s\n", head);
		assert_intact(c->db, spaced, 2500);
	}
	/* Inside the caller's own transaction too. */
	ok(c->db, db_begin_snapshot(c->db));
	assert_intact(c->db, NULL, 2500);
	db_rollback(c->db);
}

static void
test_changed_before_json(void **state)
{
	struct ctx *c = *state;

	append(c->db, 1500);
	assert_null(column(c->db, "before_json", 1234)); /* every other row has one */
	flip_byte(c->db, "before_json", 1235, 3);
	assert_broken(c->db, NULL, 1235, "MAC mismatch");
}

static void
test_changed_action(void **state)
{
	struct ctx *c = *state;

	append(c->db, 1500);
	flip_byte(c->db, "action", 1001, 0); /* the first row of the second page */
	assert_broken(c->db, NULL, 1001, "MAC mismatch");
}

static void
test_changed_at(void **state)
{
	struct ctx *c = *state;

	append(c->db, 1500);
	flip_byte(c->db, "at", 1000, 25); /* the last row of the first page, a microsecond */
	assert_broken(c->db, NULL, 1000, "MAC mismatch");
}

static void
test_changed_other_columns(void **state)
{
	struct ctx *c = *state;

	append(c->db, 40);
	/* NULL and "" differ. */
	assert_null(column(c->db, "actor_name", 4));
	set_column(c->db, "actor_name", 4, "");
	assert_broken(c->db, NULL, 4, "MAC mismatch");
	set_column(c->db, "actor_name", 4, NULL);
	assert_intact(c->db, NULL, 40);
	/* The MAC itself. */
	flip_byte(c->db, "mac", 30, 10);
	assert_broken(c->db, NULL, 30, "MAC mismatch");
	flip_byte(c->db, "mac", 30, 10);
	/* Bytes appended behind a NUL are bytes too (SQLite stores them). */
	if (db_engine(c->db) == DB_SQLITE) {
		exec_ok(c->db, "UPDATE audit_log SET object_id = CAST(object_id || X'0041' AS TEXT)"
			       " WHERE id = 20");
		assert_broken(c->db, NULL, 20, "MAC mismatch");
	}
}

static void
test_deleted_row(void **state)
{
	struct ctx *c = *state;

	append(c->db, 1500);
	assert_int_equal(run_int(c->db, "DELETE FROM audit_log WHERE id = ?", 1000), DB_DONE);
	assert_broken(c->db, NULL, 1001, "missing");
}

static void
test_deleted_first_rows(void **state)
{
	struct ctx *c = *state;

	append(c->db, 10);
	assert_int_equal(run_int(c->db, "DELETE FROM audit_log WHERE id <= ?", 2), DB_DONE);
	assert_broken(c->db, NULL, 3, "rows 1..2 are missing");
}

/* A row deleted and the later ones renumbered to close the hole: the chain
 * itself breaks at the first renumbered row. */
static void
test_deleted_and_renumbered(void **state)
{
	struct ctx *c = *state;

	append(c->db, 50);
	assert_int_equal(run_int(c->db, "DELETE FROM audit_log WHERE id = ?", 25), DB_DONE);
	exec_ok(c->db, "UPDATE audit_log SET id = id + 1000 WHERE id > 25");
	exec_ok(c->db, "UPDATE audit_log SET id = id - 1001 WHERE id > 1000");
	assert_broken(c->db, NULL, 25, "MAC mismatch");
}

static void
test_cut_tail(void **state)
{
	struct ctx *c = *state;
	char head[96];

	append(c->db, 1500);
	head_line(c->db, head);
	assert_int_equal(run_int(c->db, "DELETE FROM audit_log WHERE id > ?", 1400), DB_DONE);
	/* Documented: without a head kept elsewhere a cut tail is not visible. */
	assert_intact(c->db, NULL, 1400);
	assert_broken(c->db, head, 1401, "the tail was cut");
	/* Nor does writing on hide it: row 1500 is now another row. */
	append(c->db, 200);
	assert_intact(c->db, NULL, 1600);
	assert_broken(c->db, head, 1500, "differs from the expected head");
	/* Everything gone. */
	exec_ok(c->db, "DELETE FROM audit_log");
	assert_intact(c->db, NULL, 0);
	assert_broken(c->db, head, 1, "the tail was cut");
}

static void
test_wrong_key(void **state)
{
	struct ctx *c = *state;

	append(c->db, 20);
	audit_set_key(key2, sizeof(key2));
	assert_broken(c->db, NULL, 1, "the key is wrong");
	audit_set_key(key1, sizeof(key1));
	assert_intact(c->db, NULL, 20);
}

static void
test_head(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	char head[96];
	int64_t rows, bad;
	char why[256];

	head_line(c->db, head);
	assert_string_equal(head,
			    "0 0000000000000000000000000000000000000000000000000000000000000000");
	assert_intact(c->db, head, 0);
	append(c->db, 3);
	assert_intact(c->db, head, 3);
	static const char *const malformed[] = {
		"",
		"3",
		"x 00",
		"-1 00",
		"3 abc",
		"3 zz00000000000000000000000000000000000000000000000000000000000000",
		"3  00000000000000000000000000000000000000000000000000000000000000000",
		"0 1000000000000000000000000000000000000000000000000000000000000000",
		NULL,
	};

	for (const char *const *h = malformed; *h; h++) {
		bad = 99;
		assert_int_equal(
			audit_verify(c->db, *h, &rows, &bad, why, sizeof(why), NULL, NULL, &e),
			ANJU_EINVAL);
		assert_string_equal(e.key, "invalid_expect_head");
		assert_int_equal(bad, 0);
	}
}

/* The encoding pinned byte for byte, and a MAC computed outside anju:
 *   python3: hmac.new(bytes(range(32)), b'\0'*32 + enc(row), 'sm3').hexdigest()
 * where enc() is audit.h's definition.  Both engines read the stored row back
 * to exactly these bytes, so the same row verifies on either. */
static const char *const fixed_row[AUDIT_NFIELDS] = {
	"1",
	"2026-11-28T07:03:11.123456Z",
	"account:12",
	"张三",
	"operator_staff",
	"203.0.113.7",
	NULL,
	"account.update",
	"account",
	"12",
	"{\"display_name\":\"张三\",\"state\":\"active\"}",
	"{\"display_name\":\"张三丰\",\"state\":\"disabled\"}",
};
static const char fixed_mac1[] = "136448685ff9f763f73deb00b57a478252d0d2967ee535e94c28250be389932a";
static const char *const fixed_row2[AUDIT_NFIELDS] = {
	"2",  "2026-11-28T07:03:12.000001Z", "system",   NULL, "",   NULL,
	NULL, "session.login_failed",        "username", "",   NULL, "{\"failures\":1}",
};
static const char fixed_mac2[] = "afd0c71b305ec71fffa8718980da776b1a0b19f6985fcf30164e125349876aa3";

static void
insert_fixed(struct db *db, const char *const f[AUDIT_NFIELDS], const char *mac)
{
	struct db_stmt *st;

	ok(db, db_prepare(db,
			  "INSERT INTO audit_log (id, at, actor, actor_name, actor_role, client,"
			  " request_id, action, object_type, object_id, before_json, after_json,"
			  " mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  &st));
	db_bind_int64(st, 1, f[0][0] - '0');
	for (int i = 1; i < AUDIT_NFIELDS; i++)
		db_bind_cstr(st, i + 1, f[i]);
	db_bind_cstr(st, 13, mac);
	assert_int_equal(step_to_end(st), DB_DONE);
}

/* The canonical bytes of row id as this engine gives it back. */
static void
stored_encoding(struct db *db, int64_t id, struct buf *out)
{
	static const char *const cols[AUDIT_NFIELDS] = {
		"id",         "at",     "actor",       "actor_name", "actor_role",  "client",
		"request_id", "action", "object_type", "object_id",  "before_json", "after_json",
	};
	char *v[AUDIT_NFIELDS];

	for (int i = 0; i < AUDIT_NFIELDS; i++)
		v[i] = column(db, cols[i], id);
	assert_int_equal(audit_encode(out, (const char *const *)v), 0);
	for (int i = 0; i < AUDIT_NFIELDS; i++)
		free(v[i]);
}

/* Under the key bytes 0..31, which the caller sets. */
static void
check_fixed_rows(struct db *db, struct buf *enc)
{
	insert_fixed(db, fixed_row, fixed_mac1);
	insert_fixed(db, fixed_row2, fixed_mac2);
	assert_intact(db, NULL, 2);
	assert_intact(db, "2 afd0c71b305ec71fffa8718980da776b1a0b19f6985fcf30164e125349876aa3", 2);
	stored_encoding(db, 1, enc);
	stored_encoding(db, 2, enc);
}

static void
test_canonical_encoding(void **state)
{
	struct ctx *c = *state;
	struct buf b, here, other;
	uint8_t mac[SM3_LEN], zero[SM3_LEN] = { 0 }, key[32];
	char hex[65];
	struct hmac_sm3_ctx *h;
	const unsigned char *p;

	/* The bytes: tag, then length-prefixed fields, NULL as 0xFFFFFFFF. */
	buf_init(&b, 0);
	assert_int_equal(audit_encode(&b, fixed_row), 0);
	assert_int_equal(b.n, 246);
	p = (const unsigned char *)b.p;
	assert_memory_equal(p,
			    "\0\0\0\x0d"
			    "anju-audit-v1"
			    "\0\0\0\x01"
			    "1"
			    "\0\0\0\x1b",
			    26);
	assert_memory_equal(p + 26, "2026-11-28T07:03:11.123456Z", 27);
	/* actor_name "张三" is 6 bytes of UTF-8; request_id is NULL. */
	assert_memory_equal(p + 53,
			    "\0\0\0\x0a"
			    "account:12"
			    "\0\0\0\x06",
			    18);
	assert_memory_equal(p + 71 + 6 + 4 + 14 + 4 + 11, "\xff\xff\xff\xff\0\0\0\x0e", 8);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	h = hmac_sm3_new(key, sizeof(key));
	hmac_sm3_update(h, zero, sizeof(zero));
	hmac_sm3_update(h, b.p, b.n);
	hmac_sm3_final(h, mac);
	hex_encode(mac, sizeof(mac), hex);
	assert_string_equal(hex, fixed_mac1);
	buf_free(&b);
	audit_set_key(key, sizeof(key));

	/* Stored and read back, on this engine and, when there is one, on the
	 * other: the same bytes, so the same MACs verify. */
	buf_init(&here, 0);
	check_fixed_rows(c->db, &here);
	if (testdb_is_pg()) {
		struct testdb t2;
		struct db *db2 = NULL;
		struct anju_err e;

		assert_int_equal(testdb_create_engine(&t2, !testdb_is_pg()), 0);
		assert_int_equal(db_open(t2.url, &db2, &e), 0);
		assert_int_equal(db_migrate(db2, NULL, &e), 0);
		buf_init(&other, 0);
		check_fixed_rows(db2, &other);
		assert_int_equal(here.n, other.n);
		assert_memory_equal(here.p, other.p, here.n);
		buf_free(&other);
		testdb_close(&t2, db2);
	} else {
		print_message("canonical encoding: SQLite only (PostgreSQL runs compare both)\n");
	}
	buf_free(&here);
	/* audit_write continues the pinned chain like any other. */
	append(c->db, 5);
	assert_intact(c->db, NULL, 7);
	audit_set_key(key1, sizeof(key1));
	assert_broken(c->db, NULL, 1, "MAC mismatch");
}

static void
test_write_canonical_json(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor who = { "account:3", "李四", "admin", "::1", "r1" };
	json_t *before = json_object(), *after = json_object(), *diff;
	char *v;

	/* Inserted out of order, nested, with secrets and non-ASCII. */
	json_object_set_new(before, "zeta", json_integer(1));
	json_object_set_new(before, "alpha", json_pack("{s:s, s:s}", "y", "住房", "token", "t0k"));
	json_object_set_new(before, "password_hash", json_string("$argon2id$..."));
	json_object_set_new(after, "zeta", json_integer(2));
	json_object_set_new(after, "alpha", json_pack("{s:s, s:s}", "y", "住房", "token", "t0k"));
	json_object_set_new(after, "list", json_pack("[{s:s}]", "password", "hunter22"));
	ok(c->db, db_begin(c->db));
	assert_int_equal(
		audit_write(c->db, &who, "account.update", "account", "3", before, after, &e), 0);
	ok(c->db, db_commit(c->db));
	v = column(c->db, "before_json", 1);
	assert_string_equal(v, "{\"alpha\":{\"token\":\"[redacted]\",\"y\":\"住房\"},"
			       "\"password_hash\":\"[redacted]\",\"zeta\":1}");
	free(v);
	v = column(c->db, "after_json", 1);
	assert_string_equal(v, "{\"alpha\":{\"token\":\"[redacted]\",\"y\":\"住房\"},"
			       "\"list\":[{\"password\":\"[redacted]\"}],\"zeta\":2}");
	free(v);
	/* The caller's objects are left alone. */
	assert_string_equal(json_string_value(json_object_get(before, "password_hash")),
			    "$argon2id$...");
	/* The diff keeps what changed, on both sides. */
	diff = audit_diff(before, after);
	assert_non_null(diff);
	v = json_dumps(diff, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(v, "{\"after\":{\"list\":[{\"password\":\"hunter22\"}],\"zeta\":2},"
			       "\"before\":{\"password_hash\":\"$argon2id$...\",\"zeta\":1}}");
	free(v);
	json_decref(diff);
	assert_null(audit_diff(before, before));
	assert_null(audit_diff(NULL, NULL));
	diff = audit_diff(NULL, after);
	assert_true(json_is_null(json_object_get(diff, "before")));
	assert_true(json_equal(json_object_get(diff, "after"), after));
	json_decref(diff);
	json_decref(before);
	json_decref(after);
	/* JSON null is no value, like NULL. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_write(c->db, NULL, "system.tick", NULL, NULL, json_null(), NULL, &e),
			 0);
	ok(c->db, db_commit(c->db));
	assert_null(column(c->db, "before_json", 2));
	v = column(c->db, "actor", 2);
	assert_string_equal(v, "anonymous");
	free(v);
	assert_intact(c->db, NULL, 2);
}

/* A batch chains its rows on a helper thread: the same chain, the same
 * rows, more of them than its ring holds; ended without keeping and rolled
 * back, it leaves the chain as it was. */
static void
test_batch(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor who = { "account:3", "李四", "admin", "::1", "r1" };
	struct audit_actor sys = { "system", NULL, NULL, "", NULL };
	json_t *secret;
	char oid[24], after[64], *v;

	append(c->db, 5);
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_batch_begin(c->db, &e), 0);
	assert_int_equal(audit_batch_begin(c->db, &e), ANJU_EINTERNAL);
	for (int i = 0; i < 2500; i++) {
		snprintf(oid, sizeof(oid), "%d", i);
		snprintf(after, sizeof(after), "{\"n\":%d}", i);
		if (audit_write_text(c->db, i % 2 ? &sys : &who, "household.create", "household",
				     oid, i % 3 ? NULL : "{}", after, &e) != 0)
			fail_msg("row %d: %s", i, e.msg);
	}
	secret = json_pack("{s:s}", "password", "hunter2");
	assert_int_equal(
		audit_write(c->db, &who, "account.update", "account", "1", NULL, secret, &e), 0);
	json_decref(secret);
	assert_int_equal(audit_batch_end(c->db, true, &e), 0);
	/* After it, in the same transaction, rows chain on as usual. */
	assert_int_equal(
		audit_write_text(c->db, &who, "transfer.import", "job", "1", NULL, NULL, &e), 0);
	ok(c->db, db_commit(c->db));
	assert_intact(c->db, NULL, 2507);
	v = column(c->db, "after_json", 6 + 1234);
	assert_string_equal(v, "{\"n\":1234}");
	free(v);
	v = column(c->db, "object_id", 6 + 1234);
	assert_string_equal(v, "1234");
	free(v);
	v = column(c->db, "before_json", 6 + 1233); /* i = 1233 = 3 × 411 */
	assert_string_equal(v, "{}");
	free(v);
	assert_null(column(c->db, "before_json", 6 + 1234));
	v = column(c->db, "client", 6 + 1235); /* the system's: "" stays "" */
	assert_string_equal(v, "");
	free(v);
	assert_null(column(c->db, "actor_name", 6 + 1235));
	v = column(c->db, "after_json", 2506);
	assert_non_null(strstr(v, AUDIT_REDACTED));
	free(v);
	v = column(c->db, "action", 2507);
	assert_string_equal(v, "transfer.import");
	free(v);

	/* Not kept: whatever it inserted goes with the rollback. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_batch_begin(c->db, &e), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(audit_write_text(c->db, &who, "x.y", NULL, NULL, NULL, NULL, &e),
				 0);
	assert_int_equal(audit_batch_end(c->db, false, &e), 0);
	db_rollback(c->db);
	append(c->db, 1);
	assert_intact(c->db, NULL, 2508);
	assert_int_equal(audit_batch_end(c->db, true, &e), ANJU_EINTERNAL);
	/* A batch outside a transaction is refused. */
	assert_int_equal(audit_batch_begin(c->db, &e), ANJU_EINTERNAL);
}

/* Images given as text are stored as they are, chained like any row, and
 * checked only for UTF-8 and size. */
static void
test_write_text(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor who = { "account:3", "李四", "admin", "::1", "r1" };
	struct audit_actor bad = { "account:3", "bad\xff", NULL, NULL, NULL };
	char *big, *v;

	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_write_text(c->db, &who, "person.create", "person", "7", NULL,
					  "{\"name\":\"王伟\",\"sex\":\"male\"}", &e),
			 0);
	assert_int_equal(audit_write_text(c->db, &who, "person.update", "person", "7",
					  "{\"phone\":null}", "{\"phone\":\"138****8000\"}", &e),
			 0);
	/* Not UTF-8; too long; a bad short field: refused, nothing appended. */
	assert_int_equal(
		audit_write_text(c->db, &who, "x.y", NULL, NULL, NULL, "{\"a\":\"\xc3\"}", &e),
		ANJU_EINVAL);
	assert_string_equal(e.field, "after");
	big = xmalloc((size_t)AUDIT_JSON_MAX + 2);
	memset(big, ' ', (size_t)AUDIT_JSON_MAX + 1);
	big[AUDIT_JSON_MAX + 1] = '\0';
	assert_int_equal(audit_write_text(c->db, &who, "x.y", NULL, NULL, big, NULL, &e),
			 ANJU_ETOOBIG);
	assert_string_equal(e.field, "before");
	free(big);
	assert_int_equal(audit_write_text(c->db, &bad, "x.y", NULL, NULL, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "actor_name");
	ok(c->db, db_commit(c->db));
	v = column(c->db, "after_json", 1);
	assert_string_equal(v, "{\"name\":\"王伟\",\"sex\":\"male\"}");
	free(v);
	assert_null(column(c->db, "before_json", 1));
	v = column(c->db, "before_json", 2);
	assert_string_equal(v, "{\"phone\":null}");
	free(v);
	assert_intact(c->db, NULL, 2);
	/* A changed byte of a text image breaks the chain like any other. */
	set_column(c->db, "after_json", 1, "{\"name\":\"王五\",\"sex\":\"male\"}");
	assert_broken(c->db, NULL, 1, "MAC mismatch");
}

static void
test_write_refuses(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_actor who = { "account:3", "bad\xff", NULL, NULL, NULL };
	char long_id[AUDIT_FIELD_MAX + 2], mac[65];
	int64_t id = 0;

	/* Outside a transaction. */
	assert_int_equal(audit_write(c->db, NULL, "x.y", NULL, NULL, NULL, NULL, &e),
			 ANJU_EINTERNAL);
	assert_string_equal(e.key, "audit_outside_tx");
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_write(c->db, &who, "x.y", NULL, NULL, NULL, NULL, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "actor_name");
	assert_int_equal(audit_write(c->db, NULL, NULL, NULL, NULL, NULL, NULL, &e), ANJU_EINVAL);
	memset(long_id, '7', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(audit_write(c->db, NULL, "x.y", "t", long_id, NULL, NULL, &e),
			 ANJU_EINVAL);
	assert_string_equal(e.field, "object_id");
	/* No key. */
	audit_set_key(NULL, 0);
	assert_int_equal(audit_write(c->db, NULL, "x.y", NULL, NULL, NULL, NULL, &e),
			 ANJU_EINTERNAL);
	audit_set_key(key1, sizeof(key1));
	db_rollback(c->db);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log"), 0);
	/* A rolled-back change takes its audit row with it. */
	append(c->db, 2);
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_write(c->db, NULL, "x.y", NULL, NULL, NULL, NULL, &e), 0);
	db_rollback(c->db);
	assert_intact(c->db, NULL, 2);
	/* A newest row whose MAC is not even hex: stop, do not bless it, and do
	 * not print it as a head. */
	set_column(c->db, "mac", 2, "not hex");
	assert_int_equal(audit_head(c->db, &id, mac, &e), ANJU_EUNPROCESSABLE);
	assert_int_equal(id, 2);
	ok(c->db, db_begin(c->db));
	assert_int_equal(audit_write(c->db, NULL, "x.y", NULL, NULL, NULL, NULL, &e),
			 ANJU_EINTERNAL);
	assert_string_equal(e.key, "audit_chain_damaged");
	db_rollback(c->db);
	assert_broken(c->db, NULL, 2, "MAC mismatch");
}

static json_t *
list(struct db *db, struct audit_filter f, int64_t *next)
{
	struct anju_err e;
	json_t *items = NULL;

	if (f.limit == 0)
		f.limit = 200;
	if (audit_list(db, &f, &items, next, &e) != 0)
		fail_msg("audit_list: %s", e.msg);
	return items;
}

static void
test_list(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct audit_filter f = { 0 };
	char mid[TIME_FMT_LEN];
	json_t *items, *it;
	int64_t next = 0, seen = 0, before = 0;

	append(c->db, 100);
	usleep(2000);
	time_format_utc(time_now_us(), mid);
	usleep(2000);
	append(c->db, 10);

	items = list(c->db, (struct audit_filter){ .limit = 3 }, &next);
	assert_int_equal(json_array_size(items), 3);
	it = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(it, "id")), 110);
	assert_int_equal(next, 108);
	assert_true(json_is_object(json_object_get(it, "after")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(it, "after"), "name")), "张三");
	assert_int_equal(strlen(json_string_value(json_object_get(it, "mac"))), 64);
	json_decref(items);

	/* Keyset pages cover everything once, newest first. */
	do {
		items = list(c->db, (struct audit_filter){ .limit = 7, .before_id = next }, &next);
		for (size_t i = 0; i < json_array_size(items); i++) {
			int64_t id =
				json_integer_value(json_object_get(json_array_get(items, i), "id"));

			assert_true(before == 0 || id == before - 1);
			before = id;
			seen++;
		}
		json_decref(items);
	} while (next != 0);
	assert_int_equal(seen, 110 - 3);

	/* Filters. */
	items = list(c->db, (struct audit_filter){ .actor = "system" }, &next);
	assert_int_equal(json_array_size(items), 34 + 4);
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .action = "session.*" }, &next);
	assert_int_equal(json_array_size(items), 40 + 4);
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .action = "session.login" }, &next);
	assert_int_equal(json_array_size(items), 20 + 2);
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .action = "*" }, &next);
	assert_int_equal(json_array_size(items), 110);
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .action = "session_*" }, &next);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	items = list(c->db,
		     (struct audit_filter){
			     .object_type = "account", .object_id = "5", .actor = "account:7" },
		     &next);
	assert_true(json_array_size(items) > 0);
	for (size_t i = 0; i < json_array_size(items); i++) {
		it = json_array_get(items, i);
		assert_string_equal(json_string_value(json_object_get(it, "object_id")), "5");
		assert_string_equal(json_string_value(json_object_get(it, "actor_name")), "王五");
	}
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .from = mid }, &next);
	assert_int_equal(json_array_size(items), 10);
	json_decref(items);
	items = list(c->db, (struct audit_filter){ .to = mid, .limit = 200 }, &next);
	assert_int_equal(json_array_size(items), 100);
	json_decref(items);
	/* An instant without fraction is the same instant. */
	items = list(c->db, (struct audit_filter){ .from = "2000-01-01T00:00:00Z", .to = mid },
		     &next);
	assert_int_equal(json_array_size(items), 100);
	json_decref(items);

	f = (struct audit_filter){ .from = "yesterday", .limit = 10 };
	assert_int_equal(audit_list(c->db, &f, &items, &next, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "from");
	f = (struct audit_filter){ .limit = 201 };
	assert_int_equal(audit_list(c->db, &f, &items, &next, &e), ANJU_EINVAL);
	assert_string_equal(e.field, "limit");
	/* A damaged JSON text is shown as the text it is. */
	set_column(c->db, "before_json", 2, "{\"n\":");
	items = list(c->db, (struct audit_filter){ .before_id = 3, .limit = 1 }, &next);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "before")),
			    "{\"n\":");
	json_decref(items);
}

#define THREADS     2
#define THREAD_TXS  150
#define ROWS_PER_TX 2

struct writer {
	const char *url;
	int n;
	int failures;
	char error[600];
};

/* Its own connection and transaction loop; no cmocka assertion here (they
 * are not thread-safe): failures are counted for the main thread. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct anju_err e;
	struct db *db = NULL;
	struct audit_actor who = { "apikey:9", "door-controller", "operator_staff", NULL, NULL };

	if (db_open(w->url, &db, &e) != 0) {
		w->failures = 1;
		snprintf(w->error, sizeof(w->error), "open: %s", e.msg);
		return NULL;
	}
	for (int i = 0; i < THREAD_TXS; i++) {
		int rc = db_begin(db);

		for (int k = 0; rc == 0 && k < ROWS_PER_TX; k++) {
			json_t *after = json_pack("{s:i, s:i}", "writer", w->n, "i", i);

			rc = audit_write(db, &who, "door.event", "door", "1", NULL, after, &e);
			json_decref(after);
			/* Widen the window in which the other writer could interleave. */
			usleep(50);
		}
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0) {
			db_rollback(db);
			if (w->failures++ == 0)
				snprintf(w->error, sizeof(w->error), "rc %d: %s / %s", rc, e.msg,
					 db_errmsg(db));
		}
	}
	db_close(db);
	return NULL;
}

static void
test_concurrent_appends(void **state)
{
	struct ctx *c = *state;
	struct writer w[THREADS];
	pthread_t th[THREADS];

	append(c->db, 1);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ c->t.url, i, 0, "" };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < THREADS; i++)
		if (w[i].failures != 0)
			fail_msg("writer %d: %d failures, first: %s", i, w[i].failures, w[i].error);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log"),
			 1 + THREADS * THREAD_TXS * ROWS_PER_TX);
	assert_intact(c->db, NULL, 1 + THREADS * THREAD_TXS * ROWS_PER_TX);
	/* Each transaction's rows are adjacent: the lock spans the transaction. */
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM audit_log a JOIN audit_log b"
					  " ON b.id = a.id + 1 WHERE a.id > 1 AND a.id % 2 = 0"
					  " AND a.after_json <> b.after_json"),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_before_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_other_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_first_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_and_renumbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canonical_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_canonical_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
