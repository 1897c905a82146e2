/*
 * Unit tests of access control on a real database (both engines): the scope
 * condition on a minimal table, session idle and absolute expiry and the
 * coalesced last-seen, lockout and its expiry, the password policy, API
 * keys, two-person approvals (who asks never approves), and the list of
 * active accounts by role that finance picks a clerk from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access/account.h"
#include "access/password.h"
#include "access/scope.h"
#include "approval/approval.h"
#include "audit/audit.h"
#include "core/config.h"
#include "core/date.h"
#include "store/keys.h"
#include "store/migrate.h"
#include "testdb.h"
#include "testkeys.h"

struct ctx {
	struct testdb t;
	struct db *db;
};

static int
group_setup(void **state)
{
	(void)state;
	return testkeys_setup("access", true);
}

static int
group_teardown(void **state)
{
	(void)state;
	testkeys_teardown();
	return 0;
}

static int
setup(void **state)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct anju_err e;

	if (testdb_open(&c->t, &c->db) != 0 || db_migrate(c->db, NULL, &e) != 0)
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

static const struct audit_actor who = { "system", "test", "admin", "::1", NULL };

static int64_t
add_account(struct db *db, const char *username, enum role role, const char *password, bool all,
	    const int64_t *ids, int n)
{
	struct account_new a = { .username = username,
				 .role = role,
				 .password = password,
				 .all_communities = all,
				 .communities = ids,
				 .ncommunities = n };
	struct anju_err e;
	int64_t id = 0;

	ok(db, db_begin(db));
	if (account_create(db, &a, &who, &id, &e) != 0)
		fail_msg("account_create %s: %s", username, e.msg);
	ok(db, db_commit(db));
	return id;
}

static int64_t
count_scoped(struct db *db, const struct caller *c)
{
	struct db_stmt *st;
	int64_t n;

	ok(db, db_prepare(db, "SELECT COUNT(*) FROM t_unit WHERE " SCOPE_SQL("community_id"), &st));
	scope_bind(st, 1, c);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	db_reset(st);
	return n;
}

static bool
unit_visible(struct db *db, const struct caller *c, int64_t id)
{
	struct db_stmt *st;
	int rc;

	ok(db, db_prepare(db, "SELECT id FROM t_unit WHERE id = ? AND " SCOPE_SQL("community_id"),
			  &st));
	db_bind_int64(st, 1, id);
	scope_bind(st, 2, c);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_ROW;
}

static void
test_scope(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	int64_t some[] = { 1, 3 };
	struct caller all = { CALLER_ACCOUNT, 1, ROLE_BUREAU, "b", "account:1", true };
	struct caller set = { CALLER_ACCOUNT, 2, ROLE_OPERATOR_STAFF, "s", "account:2", false };
	struct caller none = { CALLER_ACCOUNT, 3, ROLE_FINANCE, "f", "account:3", false };
	struct caller admin = { CALLER_ACCOUNT, 4, ROLE_ADMIN, "a", "account:4", true };
	struct caller tenant = { CALLER_ACCOUNT, 5, ROLE_TENANT, "t", "account:5", true };

	exec_ok(c->db, "CREATE TABLE t_unit (id BIGINT PRIMARY KEY, community_id BIGINT NOT NULL)");
	exec_ok(c->db, "INSERT INTO t_unit VALUES (10, 1), (11, 1), (20, 2), (30, 3)");
	ok(c->db, db_begin(c->db));
	ok(c->db, scope_set(c->db, "account:2", some, 2, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(count_scoped(c->db, &all), 4);
	assert_int_equal(count_scoped(c->db, &set), 3);
	assert_int_equal(count_scoped(c->db, &none), 0);
	/* The three powers and tenants are not scoped by community: nothing. */
	assert_int_equal(count_scoped(c->db, &admin), 0);
	assert_int_equal(count_scoped(c->db, &tenant), 0);
	assert_int_equal(count_scoped(c->db, NULL), 0);
	assert_true(unit_visible(c->db, &set, 30));
	assert_false(unit_visible(c->db, &set, 20)); /* outside: simply not found */
	/* Validation of scopes by role. */
	assert_int_equal(scope_validate(ROLE_OPERATOR_STAFF, true, 0, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "scope_must_be_set");
	assert_int_equal(scope_validate(ROLE_INSPECTOR, false, 0, &e), ANJU_EINVAL);
	assert_int_equal(scope_validate(ROLE_BUREAU, true, 0, &e), 0);
	assert_int_equal(scope_validate(ROLE_FINANCE, false, 2, &e), 0);
	assert_int_equal(scope_validate(ROLE_ADMIN, false, 1, &e), ANJU_EINVAL);
	assert_int_equal(scope_validate(ROLE_AUDITOR, false, 0, &e), 0);
}

static void
age_session(struct db *db, const char *column, int64_t seconds_ago)
{
	struct db_stmt *st;
	char t[TIME_FMT_LEN], sql[96];

	time_format_utc(time_now_us() - seconds_ago * INT64_C(1000000), t);
	snprintf(sql, sizeof(sql), "UPDATE session SET %s = ?", column);
	ok(db, db_prepare(db, sql, &st));
	db_bind_cstr(st, 1, t);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
}

static void
test_sessions(void **state)
{
	struct ctx *c = *state;
	struct arena *a = arena_new();
	struct anju_err e;
	struct login l;
	struct caller who_c;
	const char *csrf = NULL;
	char seen1[TIME_FMT_LEN];

	add_account(c->db, "clerk", ROLE_FINANCE, "Quiet-River-77", true, NULL, 0);
	ok(c->db, login(c->db, "Clerk", "Quiet-River-77", "::1", "r1", &l, &e));
	ok(c->db, session_resolve(c->db, l.token, a, &who_c, &csrf, &e));
	assert_string_equal(csrf, l.csrf);
	assert_int_equal(who_c.role, ROLE_FINANCE);
	assert_true(who_c.all_communities);
	/* A token is useless with one character changed. */
	{
		char bad[TOKEN_TEXT_LEN];

		memcpy(bad, l.token, sizeof(bad));
		bad[0] = bad[0] == 'A' ? 'B' : 'A';
		assert_int_equal(session_resolve(c->db, bad, a, &who_c, &csrf, &e), ANJU_EUNAUTH);
	}
	/* Last-seen is written at most once a minute. */
	age_session(c->db, "last_seen_at", 30);
	ok(c->db, session_resolve(c->db, l.token, a, &who_c, &csrf, &e));
	{
		struct db_stmt *st;

		ok(c->db, db_prepare(c->db, "SELECT last_seen_at FROM session", &st));
		assert_int_equal(db_step(st), DB_ROW);
		snprintf(seen1, sizeof(seen1), "%s", db_col_text(st, 0));
		db_reset(st);
	}
	age_session(c->db, "last_seen_at", 90);
	ok(c->db, session_resolve(c->db, l.token, a, &who_c, &csrf, &e));
	assert_int_equal(
		query_int(c->db, "SELECT COUNT(*) FROM session WHERE last_seen_at > '2000'"), 1);
	/* Idle for 31 minutes: over. */
	age_session(c->db, "last_seen_at", 31 * 60);
	assert_int_equal(session_resolve(c->db, l.token, a, &who_c, &csrf, &e), ANJU_EUNAUTH);
	assert_string_equal(e.key, "session_expired");
	/* Past the absolute end: over, however fresh. */
	ok(c->db, login(c->db, "clerk", "Quiet-River-77", "::1", "r2", &l, &e));
	age_session(c->db, "expires_at", 1);
	assert_int_equal(session_resolve(c->db, l.token, a, &who_c, &csrf, &e), ANJU_EUNAUTH);
	(void)seen1;
	arena_free(a);
}

static void
test_lockout(void **state)
{
	struct ctx *c = *state;
	struct anju_err e;
	struct login l;

	add_account(c->db, "guard", ROLE_BUREAU, "Quiet-River-77", true, NULL, 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(login(c->db, "guard", "wrong", "10.0.0.9", NULL, &l, &e),
				 ANJU_EUNAUTH);
		assert_string_equal(e.key, "invalid_credentials");
	}
	assert_int_equal(login(c->db, "guard", "Quiet-River-77", "10.0.0.9", NULL, &l, &e),
			 ANJU_ELIMIT);
	assert_string_equal(e.key, "account_locked");
	/* When the lock runs out, the count starts again. */
	exec_ok(c->db, "UPDATE login_failure SET locked_until = '2000-01-01T00:00:00.000000Z'");
	assert_int_equal(login(c->db, "guard", "wrong", "10.0.0.9", NULL, &l, &e), ANJU_EUNAUTH);
	assert_int_equal(query_int(c->db, "SELECT failures FROM login_failure"), 1);
	ok(c->db, login(c->db, "guard", "Quiet-River-77", "10.0.0.9", NULL, &l, &e));
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM login_failure"), 0);
	/* A disabled account cannot sign in, with the same answer as a wrong password. */
	{
		int64_t id = 0;

		ok(c->db, account_find(c->db, "guard", &id, &e));
		ok(c->db, db_begin(c->db));
		ok(c->db, account_set_state(c->db, id, "disabled", &who, &e));
		ok(c->db, db_commit(c->db));
		assert_int_equal(login(c->db, "guard", "Quiet-River-77", "10.0.0.9", NULL, &l, &e),
				 ANJU_EUNAUTH);
	}
}

static void
test_password_policy(void **state)
{
	struct anju_err e;
	char gen[21];

	(void)state;
	assert_int_equal(password_check("Quiet-River-77", "clerk", ROLE_FINANCE, &e), 0);
	assert_int_equal(password_check("Short-1a", "clerk", ROLE_FINANCE, &e),
			 ANJU_EUNPROCESSABLE);
	assert_int_equal(password_check("Short-1a", "clerk", ROLE_TENANT, &e), 0);
	assert_int_equal(password_check("onlylowercase", "clerk", ROLE_FINANCE, &e),
			 ANJU_EUNPROCESSABLE);
	assert_int_equal(password_check("Password1!", "x", ROLE_FINANCE, &e), ANJU_EUNPROCESSABLE);
	assert_int_equal(password_check("12345678", "x", ROLE_TENANT, &e), ANJU_EUNPROCESSABLE);
	assert_int_equal(password_check("Clerk-Garden-9", "clerk", ROLE_FINANCE, &e),
			 ANJU_EUNPROCESSABLE);
	for (int i = 0; i < 50; i++) {
		password_generate(gen);
		assert_int_equal(strlen(gen), 20);
		assert_int_equal(password_check(gen, "someone", ROLE_ADMIN, &e), 0);
	}
	/* argon2id: verifies only the right password; nothing for an empty hash. */
	{
		char h[PASSWORD_HASH_MAX];

		assert_int_equal(password_hash("Quiet-River-77", h), 0);
		assert_non_null(strstr(h, "$argon2id$"));
		assert_true(password_verify(h, "Quiet-River-77"));
		assert_false(password_verify(h, "Quiet-River-78"));
		assert_false(password_verify(NULL, "Quiet-River-77"));
	}
}

static void
test_api_keys(void **state)
{
	struct ctx *c = *state;
	struct arena *a = arena_new();
	struct anju_err e;
	struct caller k;
	int64_t ids[] = { 4 }, id = 0;
	char *key = NULL;

	ok(c->db, db_begin(c->db));
	ok(c->db,
	   apikey_create(c->db, "door", ROLE_OPERATOR_STAFF, false, ids, 1, &who, &key, &id, &e));
	ok(c->db, db_commit(c->db));
	assert_non_null(strstr(key, "ak_"));
	ok(c->db, apikey_resolve(c->db, key, a, &k, &e));
	assert_int_equal(k.role, ROLE_OPERATOR_STAFF);
	assert_int_equal(k.kind, CALLER_API_KEY);
	/* Stored only as a keyed hash. */
	{
		struct db_stmt *st;

		ok(c->db,
		   db_prepare(c->db, "SELECT COUNT(*) FROM api_key WHERE key_hash = ?", &st));
		db_bind_cstr(st, 1, key);
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), 0);
		db_reset(st);
	}
	ok(c->db, db_begin(c->db));
	ok(c->db, apikey_revoke(c->db, id, &who, &e));
	ok(c->db, db_commit(c->db));
	/* Resolved a moment ago, but a revocation in this process is seen at once. */
	assert_int_equal(apikey_resolve(c->db, key, a, &k, &e), ANJU_EUNAUTH);
	/* One revoked outside the process (the CLI, another server) stops working
	 * within the per-thread cache's second. */
	{
		struct db_stmt *st;
		char *other = NULL;
		int64_t other_id = 0;

		ok(c->db, db_begin(c->db));
		ok(c->db, apikey_create(c->db, "gate", ROLE_OPERATOR_STAFF, false, ids, 1, &who,
					&other, &other_id, &e));
		ok(c->db, db_commit(c->db));
		ok(c->db, apikey_resolve(c->db, other, a, &k, &e));
		assert_int_equal(k.id, other_id);
		ok(c->db, db_prepare(c->db, "UPDATE api_key SET revoked_at = ? WHERE id = ?", &st));
		db_bind_cstr(st, 1, "2026-01-01T00:00:00.000000Z");
		db_bind_int64(st, 2, other_id);
		assert_int_equal(db_step(st), DB_DONE);
		db_reset(st);
		ok(c->db, apikey_resolve(c->db, other, a, &k, &e)); /* still cached */
		assert_int_equal(k.role, ROLE_OPERATOR_STAFF);
		assert_string_equal(k.name, "gate");
		usleep(1100 * 1000);
		assert_int_equal(apikey_resolve(c->db, other, a, &k, &e), ANJU_EUNAUTH);
		free(other);
	}
	assert_int_equal(
		apikey_create(c->db, "t", ROLE_TENANT, false, NULL, 0, &who, &key, &id, &e),
		ANJU_EINVAL);
	free(key);
	arena_free(a);
}

static void
test_approvals(void **state)
{
	struct ctx *c = *state;
	struct caller admin = { CALLER_ACCOUNT, 1, ROLE_ADMIN, "admin", "account:1" };
	struct caller sec = { CALLER_ACCOUNT, 2, ROLE_SECURITY, "security", "account:2" };
	struct caller fin = { CALLER_ACCOUNT, 3, ROLE_FINANCE, "fin", "account:3", true };
	struct anju_err e;
	json_t *p = json_pack("{s:s, s:s, s:b}", "username", "newbie", "role", "finance",
			      "all_communities", 1),
	       *once = NULL, *j = NULL;
	int64_t id = 0;

	ok(c->db, db_begin(c->db));
	assert_int_equal(
		approval_request(c->db, &fin, &who, "account.create", p, "x", NULL, NULL, &id, &e),
		ANJU_EFORBIDDEN);
	ok(c->db, approval_request(c->db, &admin, &who, "account.create", p, "新同事", "username",
				   "newbie", &id, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, db_begin(c->db));
	/* Who asks never approves; a role that may not decide cannot either. */
	assert_int_equal(approval_decide(c->db, &admin, &who, id, true, NULL, NULL, &e),
			 ANJU_EFORBIDDEN);
	assert_string_equal(e.key, "self_approval");
	assert_int_equal(approval_decide(c->db, &fin, &who, id, true, NULL, NULL, &e),
			 ANJU_ENOTFOUND);
	ok(c->db, approval_decide(c->db, &sec, &who, id, true, "ok", &once, &e));
	ok(c->db, db_commit(c->db));
	assert_int_equal(strlen(json_string_value(json_object_get(once, "initial_password"))), 20);
	assert_int_equal(query_int(c->db, "SELECT COUNT(*) FROM account WHERE username = 'newbie'"),
			 1);
	ok(c->db, approval_get(c->db, &sec, id, &j, &e));
	assert_string_equal(json_string_value(json_object_get(j, "state")), "approved");
	json_decref(j);
	ok(c->db, db_begin(c->db));
	assert_int_equal(approval_decide(c->db, &sec, &who, id, true, NULL, NULL, &e),
			 ANJU_ECONFLICT);
	db_rollback(c->db);
	/* A request that could never run is refused when asked. */
	ok(c->db, db_begin(c->db));
	assert_int_equal(approval_request(c->db, &admin, &who, "account.create", p, "again", NULL,
					  NULL, &id, &e),
			 ANJU_ECONFLICT);
	assert_string_equal(e.key, "username_taken");
	db_rollback(c->db);
	json_decref(p);
	json_decref(once);
}

/* Makes an active account with a display name (password generated). */
static int64_t
add_named(struct db *db, const char *username, const char *name, enum role role)
{
	int64_t some[] = { 1 };
	struct account_new a = { .username = username,
				 .display_name = name,
				 .role = role,
				 .all_communities = !role_needs_set(role),
				 .communities = role_needs_set(role) ? some : NULL,
				 .ncommunities = role_needs_set(role) ? 1 : 0 };
	struct anju_err e;
	int64_t id = 0;

	ok(db, db_begin(db));
	if (account_create(db, &a, &who, &id, &e) != 0)
		fail_msg("account_create %s: %s", username, e.msg);
	ok(db, db_commit(db));
	return id;
}

static void
test_list_roles(void **state)
{
	struct ctx *c = *state;
	unsigned clerks = ROLE_BIT(ROLE_OPERATOR_STAFF) | ROLE_BIT(ROLE_FINANCE);
	struct anju_err e;
	json_t *items = NULL, *x;
	int64_t gone, fin;

	add_named(c->db, "carol", "Carol", ROLE_OPERATOR_STAFF);
	fin = add_named(c->db, "bella", "Bella", ROLE_FINANCE);
	add_named(c->db, "adam", "Carol", ROLE_OPERATOR_STAFF); /* same name: username decides */
	add_named(c->db, "boss", "Alice", ROLE_BUREAU);
	add_named(c->db, "lead", "Aaron", ROLE_OPERATOR_MANAGER);
	gone = add_named(c->db, "dora", "Dora", ROLE_OPERATOR_STAFF);
	ok(c->db, db_begin(c->db));
	ok(c->db, account_set_state(c->db, gone, "disabled", &who, &e));
	ok(c->db, db_commit(c->db));

	ok(c->db, account_list_roles(c->db, clerks, &items, &e));
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "username")), "bella");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 1), "username")), "adam");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 2), "username")), "carol");
	x = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(x, "id")), fin);
	assert_string_equal(json_string_value(json_object_get(x, "display_name")), "Bella");
	assert_string_equal(json_string_value(json_object_get(x, "role")), "finance");
	assert_string_equal(json_string_value(json_object_get(x, "role_title")),
			    role_title(ROLE_FINANCE));
	/* Exactly these fields: no scope, state, password or lock details. */
	assert_int_equal(json_object_size(x), 5);
	json_decref(items);

	/* One role; a role nobody has; no role at all. */
	ok(c->db, account_list_roles(c->db, ROLE_BIT(ROLE_BUREAU), &items, &e));
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 0), "username")), "boss");
	json_decref(items);
	ok(c->db, account_list_roles(c->db, ROLE_BIT(ROLE_ASSESSOR), &items, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	ok(c->db, account_list_roles(c->db, 0, &items, &e));
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* Enabled again, listed again. */
	ok(c->db, db_begin(c->db));
	ok(c->db, account_set_state(c->db, gone, "active", &who, &e));
	ok(c->db, db_commit(c->db));
	ok(c->db, account_list_roles(c->db, clerks, &items, &e));
	assert_int_equal(json_array_size(items), 4);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(items, 3), "username")), "dora");
	json_decref(items);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test_setup_teardown(test_api_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approvals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_roles, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
