/*
 * Accounts, sign-in, sessions and API keys.  See account.h.
 *
 * Secrets never enter the database in a usable form: passwords as argon2id
 * hashes, session tokens as SHA-256 (they are 256 random bits, so a fast
 * hash suffices), API keys as HMAC-SM3 under keys/apikey.key.
 */
#include "access/account.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/password.h"
#include "access/scope.h"
#include "audit/audit.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/page.h"

#define USERNAME_MAX          32
#define API_KEY_NAME_MAX      64 /* bytes */
#define LAST_SEEN_COALESCE_US (60 * INT64_C(1000000))

static void
now_text(char out[TIME_FMT_LEN])
{
	time_format_utc(time_now_us(), out);
}

static void
principal_of(const char *kind, int64_t id, char out[32])
{
	snprintf(out, 32, "%s:%lld", kind, (long long)id);
}

/* 43 URL-safe base64 characters of 32 random bytes. */
static void
random_token(char out[TOKEN_TEXT_LEN])
{
	unsigned char r[32];
	char b[BASE64_LEN(32)];

	random_bytes(r, sizeof(r));
	base64_encode(r, sizeof(r), b);
	for (int i = 0; i < 43; i++)
		out[i] = b[i] == '+' ? '-' : b[i] == '/' ? '_' : b[i];
	out[43] = '\0';
	explicit_bzero(r, sizeof(r));
}

static bool
username_ok(const char *u)
{
	size_t n = strlen(u);

	if (n < 3 || n > USERNAME_MAX || u[0] < 'a' || u[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') || u[i] == '_' ||
		      u[i] == '.' || u[i] == '-'))
			return false;
	return true;
}

/* Ends every open session of an account (role, state or password changed). */
static int
end_sessions(struct db *db, int64_t account_id, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	int rc;

	now_text(now);
	rc = db_prepare(db,
			"UPDATE session SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, account_id);
	rc = db_step(st);
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static int
audit_account(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	      json_t *before, json_t *after, struct anju_err *e)
{
	char oid[24];

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, action, "account", oid, before, after, e);
}

int
account_create(struct db *db, struct account_new *n, const struct audit_actor *who, int64_t *id,
	       struct anju_err *e)
{
	char hash[PASSWORD_HASH_MAX], now[TIME_FMT_LEN], principal[32];
	const char *password = n->password;
	struct db_stmt *st;
	json_t *after = NULL, *scope = NULL;
	int rc;

	if (n->username == NULL || !username_ok(n->username))
		return anju_fail(e, ANJU_EINVAL, "invalid_username", "username",
				 "用户名应为 3 到 32 个小写字母、数字或 _ . -，以字母开头");
	if (role_name(n->role) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_role", "role", "没有这个角色");
	if ((rc = scope_validate(n->role, n->all_communities, n->ncommunities, e)) != 0)
		return rc;
	if (n->role == ROLE_TENANT && n->person_id <= 0)
		return anju_fail(e, ANJU_EINVAL, "person_required", "person_id",
				 "承租人账号必须关联到一个人");
	if (n->role != ROLE_TENANT && n->person_id > 0)
		return anju_fail(e, ANJU_EINVAL, "person_not_allowed", "person_id",
				 "只有承租人账号关联到人员");
	if (password == NULL) {
		password_generate(n->generated_password);
		password = n->generated_password;
	} else if ((rc = password_check(password, n->username, n->role, e)) != 0) {
		return rc;
	}
	if (password_hash(password, hash) != 0)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "password hashing failed");
	now_text(now);
	rc = db_prepare(db,
			"INSERT INTO account (username, display_name, role, state, password_hash,"
			" must_change_password, all_communities, person_id, created_at, created_by,"
			" updated_at, password_changed_at)"
			" VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, n->username);
	db_bind_cstr(st, 2, n->display_name ? n->display_name : "");
	db_bind_cstr(st, 3, role_name(n->role));
	db_bind_cstr(st, 4, hash);
	db_bind_int64(st, 5, n->must_change_password || n->password == NULL);
	db_bind_int64(st, 6, n->all_communities);
	if (n->person_id > 0)
		db_bind_int64(st, 7, n->person_id);
	else
		db_bind_null(st, 7);
	db_bind_cstr(st, 8, now);
	db_bind_cstr(st, 9, who && who->principal ? who->principal : "system");
	db_bind_cstr(st, 10, now);
	db_bind_cstr(st, 11, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	explicit_bzero(hash, sizeof(hash));
	if (rc == ANJU_ECONFLICT)
		return anju_fail(e, ANJU_ECONFLICT, "username_taken", "username",
				 "用户名 %s 已被使用", n->username);
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	principal_of("account", *id, principal);
	if ((rc = scope_set(db, principal, n->communities, n->ncommunities, e)) != 0)
		return rc;
	if ((rc = scope_json(db, principal, n->all_communities, &scope, e)) != 0)
		return rc;
	after = json_pack("{s:s, s:s, s:s, s:o}", "username", n->username, "display_name",
			  n->display_name ? n->display_name : "", "role", role_name(n->role),
			  "scope", scope);
	rc = audit_account(db, who, "account.create", *id, NULL, after, e);
	json_decref(after);
	return rc;
}

#define ACCOUNT_SELECT                                                                             \
	"SELECT id, username, display_name, role, state, must_change_password, all_communities,"   \
	" person_id, created_at, created_by, updated_at FROM account"

/* The account row as JSON, with its scope (a second query, fine while st is
 * on its row: both engines allow it). */
static json_t *
account_row(struct db *db, struct db_stmt *st)
{
	char principal[32];
	json_t *scope = NULL;
	struct anju_err e;
	int64_t id = db_col_int64(st, 0);
	bool all = db_col_int64(st, 6) != 0;
	enum role role = ROLE_COUNT;

	role_parse(db_col_text(st, 3), &role);
	principal_of("account", id, principal);
	if (scope_json(db, principal, all, &scope, &e) != 0)
		scope = json_null();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:s, s:s, s:s}", "id",
			 (json_int_t)id, "username", db_col_text(st, 1), "display_name",
			 db_col_text(st, 2), "role", db_col_text(st, 3), "role_title",
			 role_title(role) ? role_title(role) : "", "state", db_col_text(st, 4),
			 "must_change_password", db_col_int64(st, 5) != 0, "scope", scope,
			 "person_id",
			 db_col_null(st, 7) ? json_null() : json_integer(db_col_int64(st, 7)),
			 "created_at", db_col_text(st, 8), "created_by", db_col_text(st, 9),
			 "updated_at", db_col_text(st, 10));
}

static json_t *
account_item(struct db_stmt *st, void *db)
{
	return account_row(db, st);
}

int
account_get(struct db *db, int64_t id, json_t **out, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, ACCOUNT_SELECT " WHERE id = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = account_row(db, st);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "account_not_found", NULL, "没有这个账号");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
account_find(struct db *db, const char *username, int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT id FROM account WHERE username = ?", &st)) != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, username);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "account_not_found", NULL, "没有账号 %s",
				 username);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
account_count(struct db *db, enum role role, int64_t *n, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT COUNT(*) FROM account WHERE role = ? AND state = 'active'",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, role_name(role));
	rc = db_step(st);
	if (rc == DB_ROW)
		*n = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
account_list(struct db *db, int64_t after_id, int limit, json_t **items, int64_t *next,
	     struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, ACCOUNT_SELECT " WHERE id > ? ORDER BY id LIMIT ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit + 1);
	if ((rc = page_collect(st, limit, account_item, db, items, next)) != 0)
		return db_fail(db, rc, e);
	return 0;
}

int
account_list_roles(struct db *db, unsigned roles, json_t **items, struct anju_err *e)
{
	/* One placeholder per role in roles: the text varies with the set, and
	 * each set is one cached statement. */
	char sql[256 + 3 * ROLE_COUNT];
	struct db_stmt *st;
	int rc, n = 0, len;

	len = snprintf(sql, sizeof(sql), "%s",
		       "SELECT id, username, display_name, role FROM account"
		       " WHERE state = 'active' AND role IN (");
	for (int r = 0; r < ROLE_COUNT; r++)
		if (roles & ROLE_BIT(r))
			len += snprintf(sql + len, sizeof(sql) - (size_t)len, n++ ? ", ?" : "?");
	*items = json_array();
	if (n == 0)
		return 0;
	snprintf(sql + len, sizeof(sql) - (size_t)len, ") ORDER BY display_name, username LIMIT ?");
	if ((rc = db_prepare(db, sql, &st)) != 0) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	n = 0;
	for (int r = 0; r < ROLE_COUNT; r++)
		if (roles & ROLE_BIT(r))
			db_bind_cstr(st, ++n, role_name((enum role)r));
	db_bind_int64(st, n + 1, ACCOUNT_LIST_ROLES_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		enum role role = ROLE_COUNT;
		const char *title;

		role_parse(db_col_text(st, 3), &role);
		title = role_title(role);
		json_array_append_new(*items,
				      json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
						(json_int_t)db_col_int64(st, 0), "username",
						db_col_text(st, 1), "display_name",
						db_col_text(st, 2), "role", db_col_text(st, 3),
						"role_title", title ? title : ""));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

/* The account's JSON for the audit's "before", or NULL when it does not exist. */
static json_t *
snapshot(struct db *db, int64_t id, struct anju_err *e)
{
	json_t *j = NULL;

	if (account_get(db, id, &j, e) != 0)
		return NULL;
	json_object_del(j, "updated_at");
	json_object_del(j, "role_title");
	return j;
}

/* Audits the change from before to the account as it is now. */
static int
audit_change(struct db *db, const struct audit_actor *who, const char *action, int64_t id,
	     json_t *before, struct anju_err *e)
{
	json_t *after = snapshot(db, id, e);
	int rc;

	if (after == NULL) {
		json_decref(before);
		return e->code ? e->code : ANJU_EDB;
	}
	/* Only the changed fields, both sides. */
	{
		json_t *d = audit_diff(before, after);

		rc = audit_account(db, who, action, id, json_object_get(d, "before"),
				   json_object_get(d, "after"), e);
		json_decref(d);
	}
	json_decref(before);
	json_decref(after);
	return rc;
}

int
account_set_state(struct db *db, int64_t id, const char *state, const struct audit_actor *who,
		  struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN];
	json_t *before;
	int rc;

	if (strcmp(state, "active") != 0 && strcmp(state, "disabled") != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_state", "state",
				 "状态应为 active 或 disabled");
	if ((before = snapshot(db, id, e)) == NULL)
		return e->code;
	now_text(now);
	rc = db_prepare(db, "UPDATE account SET state = ?, updated_at = ? WHERE id = ?", &st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, state);
	db_bind_cstr(st, 2, now);
	db_bind_int64(st, 3, id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0 || (strcmp(state, "disabled") == 0 && (rc = end_sessions(db, id, e)) != 0)) {
		json_decref(before);
		return rc < 0 && e->code == 0 ? db_fail(db, rc, e) : rc;
	}
	return audit_change(db, who,
			    strcmp(state, "disabled") == 0 ? "account.disable" : "account.enable",
			    id, before, e);
}

int
account_set_role(struct db *db, int64_t id, enum role role, bool all_communities,
		 const int64_t *communities, int n, const struct audit_actor *who,
		 struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], principal[32];
	json_t *before;
	int rc;

	if (role_name(role) == NULL)
		return anju_fail(e, ANJU_EINVAL, "invalid_role", "role", "没有这个角色");
	if ((rc = scope_validate(role, all_communities, n, e)) != 0)
		return rc;
	if ((before = snapshot(db, id, e)) == NULL)
		return e->code;
	if ((role == ROLE_TENANT) != json_is_integer(json_object_get(before, "person_id"))) {
		json_decref(before);
		return anju_fail(e, ANJU_EINVAL, "person_required", "role",
				 "承租人角色只能授予关联了人员的账号");
	}
	now_text(now);
	rc = db_prepare(
		db, "UPDATE account SET role = ?, all_communities = ?, updated_at = ? WHERE id = ?",
		&st);
	if (rc != 0) {
		json_decref(before);
		return db_fail(db, rc, e);
	}
	db_bind_cstr(st, 1, role_name(role));
	db_bind_int64(st, 2, all_communities);
	db_bind_cstr(st, 3, now);
	db_bind_int64(st, 4, id);
	rc = db_step(st);
	db_reset(st);
	principal_of("account", id, principal);
	if (rc < 0 || (rc = scope_set(db, principal, communities, n, e)) != 0 ||
	    (rc = end_sessions(db, id, e)) != 0) {
		json_decref(before);
		return rc < 0 && e->code == 0 ? db_fail(db, rc, e) : rc;
	}
	return audit_change(db, who, "account.set_role", id, before, e);
}

static int
store_password(struct db *db, int64_t id, const char *password, bool must_change,
	       struct anju_err *e)
{
	char hash[PASSWORD_HASH_MAX], now[TIME_FMT_LEN];
	struct db_stmt *st;
	int rc;

	if (password_hash(password, hash) != 0)
		return anju_fail(e, ANJU_EINTERNAL, NULL, NULL, "password hashing failed");
	now_text(now);
	rc = db_prepare(db,
			"UPDATE account SET password_hash = ?, must_change_password = ?,"
			" password_changed_at = ?, updated_at = ? WHERE id = ?",
			&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, hash);
		db_bind_int64(st, 2, must_change);
		db_bind_cstr(st, 3, now);
		db_bind_cstr(st, 4, now);
		db_bind_int64(st, 5, id);
		rc = db_step(st);
		db_reset(st);
	}
	explicit_bzero(hash, sizeof(hash));
	if (rc < 0)
		return db_fail(db, rc, e);
	return end_sessions(db, id, e);
}

/* Username and role of an account, for the password policy. */
static int
who_is(struct db *db, int64_t id, char username[USERNAME_MAX + 1], enum role *role, char *hash,
       size_t hash_cap, struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT username, role, password_hash FROM account WHERE id = ?",
			    &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(username, USERNAME_MAX + 1, "%s", db_col_text(st, 0));
		role_parse(db_col_text(st, 1), role);
		if (hash != NULL)
			snprintf(hash, hash_cap, "%s", db_col_text(st, 2));
	}
	db_reset(st);
	if (rc == DB_DONE)
		return anju_fail(e, ANJU_ENOTFOUND, "account_not_found", NULL, "没有这个账号");
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
account_reset_password(struct db *db, int64_t id, const char *password, char out[21],
		       const struct audit_actor *who, struct anju_err *e)
{
	char username[USERNAME_MAX + 1];
	enum role role = ROLE_COUNT;
	int rc;

	if ((rc = who_is(db, id, username, &role, NULL, 0, e)) != 0)
		return rc;
	if (password == NULL) {
		password_generate(out);
		password = out;
	} else if ((rc = password_check(password, username, role, e)) != 0) {
		return rc;
	}
	if ((rc = store_password(db, id, password, true, e)) != 0)
		return rc;
	return audit_account(db, who, "account.reset_password", id, NULL, NULL, e);
}

int
account_change_password(struct db *db, int64_t id, const char *old_password,
			const char *new_password, const struct audit_actor *who, struct anju_err *e)
{
	char username[USERNAME_MAX + 1], hash[PASSWORD_HASH_MAX];
	enum role role = ROLE_COUNT;
	int rc;

	if ((rc = who_is(db, id, username, &role, hash, sizeof(hash), e)) != 0)
		return rc;
	if (!password_verify(hash, old_password)) {
		explicit_bzero(hash, sizeof(hash));
		return anju_fail(e, ANJU_EUNPROCESSABLE, "wrong_password", "old_password",
				 "原密码不正确");
	}
	explicit_bzero(hash, sizeof(hash));
	if (strcmp(old_password, new_password) == 0)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "weak_password", "password",
				 "新密码不能与原密码相同");
	if ((rc = password_check(new_password, username, role, e)) != 0)
		return rc;
	if ((rc = store_password(db, id, new_password, false, e)) != 0)
		return rc;
	return audit_account(db, who, "account.change_password", id, NULL, NULL, e);
}

int
account_unlock(struct db *db, const char *username, const struct audit_actor *who,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "DELETE FROM login_failure WHERE username = ?", &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, username);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	return audit_write(db, who, "account.unlock", "username", username, NULL, NULL, e);
}

/*
 * Sign-in.
 */

/* Failed sign-ins per client address in the current minute, in memory: a
 * throttle against one address trying many names, per server process. */
#define THROTTLE_SLOTS 1024

static struct {
	char client[64];
	int64_t minute;
	int failures;
} throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned
slot_of(const char *client)
{
	unsigned h = 2166136261u;

	for (const char *p = client; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % THROTTLE_SLOTS;
}

/* Adds delta failures for client (0 only reads); returns the minute's count. */
static int
client_failures(const char *client, int delta)
{
	unsigned k = slot_of(client);
	int64_t minute = time_now_us() / (60 * INT64_C(1000000));
	int n;

	pthread_mutex_lock(&throttle_lock);
	if (strcmp(throttle[k].client, client) != 0 || throttle[k].minute != minute) {
		snprintf(throttle[k].client, sizeof(throttle[k].client), "%s", client);
		throttle[k].minute = minute;
		throttle[k].failures = 0;
	}
	throttle[k].failures += delta;
	n = throttle[k].failures;
	pthread_mutex_unlock(&throttle_lock);
	return n;
}

struct candidate {
	int64_t id;
	char hash[PASSWORD_HASH_MAX];
	bool active;
	int failures;
	bool locked;
};

static int
read_candidate(struct db *db, const char *username, const char *now, struct candidate *c,
	       struct anju_err *e)
{
	struct db_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = db_prepare(db, "SELECT id, password_hash, state FROM account WHERE username = ?", &st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, username);
	rc = db_step(st);
	if (rc == DB_ROW) {
		c->id = db_col_int64(st, 0);
		snprintf(c->hash, sizeof(c->hash), "%s", db_col_text(st, 1));
		c->active = strcmp(db_col_text(st, 2), "active") == 0;
	}
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	rc = db_prepare(db, "SELECT failures, locked_until FROM login_failure WHERE username = ?",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, username);
	rc = db_step(st);
	if (rc == DB_ROW) {
		c->failures = (int)db_col_int64(st, 0);
		c->locked = !db_col_null(st, 1) && strcmp(db_col_text(st, 1), now) > 0;
	}
	db_reset(st);
	return rc < 0 ? db_fail(db, rc, e) : 0;
}

static void
actor_for_login(struct audit_actor *who, const char *username, const char *client,
		const char *request_id)
{
	memset(who, 0, sizeof(*who));
	who->principal = "anonymous";
	who->name = username;
	who->role = "";
	who->client = client;
	who->request_id = request_id;
}

/* Counts a failure for username; *locked_now when this one locked it. */
static int
record_failure(struct db *db, const char *username, const char *client, const char *request_id,
	       bool *locked_now, struct anju_err *e)
{
	struct db_stmt *st;
	struct audit_actor who;
	char now[TIME_FMT_LEN], until[TIME_FMT_LEN];
	int64_t failures = 0;
	int rc;

	*locked_now = false;
	now_text(now);
	time_format_utc(time_now_us() + config_int("login_lock_minutes") * 60 * INT64_C(1000000),
			until);
	if ((rc = db_begin(db)) != 0)
		return db_fail(db, rc, e);
	/* A lock that has run out starts the count again. */
	rc = db_prepare(
		db,
		"INSERT INTO login_failure (username, failures, locked_until, last_failure_at)"
		" VALUES (?, 1, NULL, ?) ON CONFLICT (username) DO UPDATE SET"
		" failures = CASE WHEN login_failure.locked_until IS NOT NULL AND"
		" login_failure.locked_until <= ? THEN 1 ELSE login_failure.failures + 1 END,"
		" locked_until = CASE WHEN login_failure.locked_until <= ? THEN NULL"
		" ELSE login_failure.locked_until END, last_failure_at = ? RETURNING failures",
		&st);
	if (rc != 0)
		goto fail;
	db_bind_cstr(st, 1, username);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, now);
	db_bind_cstr(st, 4, now);
	db_bind_cstr(st, 5, now);
	rc = db_step(st);
	if (rc == DB_ROW)
		failures = db_col_int64(st, 0);
	db_reset(st);
	if (rc < 0)
		goto fail;
	if (failures >= config_int("login_max_failures")) {
		rc = db_prepare(db,
				"UPDATE login_failure SET locked_until = ? WHERE username = ?"
				" AND locked_until IS NULL",
				&st);
		if (rc != 0)
			goto fail;
		db_bind_cstr(st, 1, until);
		db_bind_cstr(st, 2, username);
		rc = db_step(st);
		*locked_now = rc >= 0 && db_changes(st) > 0;
		db_reset(st);
		if (rc < 0)
			goto fail;
	}
	actor_for_login(&who, username, client, request_id);
	{
		json_t *after = json_pack("{s:I}", "failures", (json_int_t)failures);

		rc = audit_write(db, &who, "session.login_failed", "username", username, NULL,
				 after, e);
		if (rc == 0 && *locked_now)
			rc = audit_write(db, &who, "session.locked", "username", username, NULL,
					 after, e);
		json_decref(after);
	}
	if (rc != 0) {
		db_rollback(db);
		return rc;
	}
	if ((rc = db_commit(db)) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return db_fail(db, rc, e);
}

static int
new_session(struct db *db, int64_t account_id, const char *client, struct login *out,
	    struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], end[TIME_FMT_LEN], hash[2 * SHA256_LEN + 1];
	int rc;

	random_token(out->token);
	random_token(out->csrf);
	sha256_hex(out->token, strlen(out->token), hash);
	now_text(now);
	time_format_utc(time_now_us() + config_int("session_max_hours") * 3600 * INT64_C(1000000),
			end);
	rc = db_prepare(
		db,
		"INSERT INTO session (token_hash, csrf_token, account_id, client, created_at,"
		" last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, hash);
	db_bind_cstr(st, 2, out->csrf);
	db_bind_int64(st, 3, account_id);
	db_bind_cstr(st, 4, client);
	db_bind_cstr(st, 5, now);
	db_bind_cstr(st, 6, now);
	db_bind_cstr(st, 7, end);
	rc = db_step(st);
	if (rc == DB_ROW)
		out->session_id = db_col_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : db_fail(db, rc, e);
}

int
login(struct db *db, const char *username, const char *password, const char *client,
      const char *request_id, struct login *out, struct anju_err *e)
{
	struct candidate c;
	struct audit_actor who;
	char now[TIME_FMT_LEN], name[USERNAME_MAX * 2 + 1];
	bool ok, locked_now = false;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The failure count is keyed by the name as typed (lower-cased, capped),
	 * so it works the same for names that do not exist. */
	snprintf(name, sizeof(name), "%s", username);
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (client_failures(client, 0) >= config_int("login_client_failures_per_minute"))
		return anju_fail(e, ANJU_ELIMIT, "too_many_attempts", NULL,
				 "登录尝试过于频繁，请稍后再试");
	now_text(now);
	if ((rc = read_candidate(db, name, now, &c, e)) != 0)
		return rc;
	/* Always the same work, whether or not the name exists or is locked. */
	ok = password_verify(c.id > 0 ? c.hash : NULL, password) && c.active;
	explicit_bzero(c.hash, sizeof(c.hash));
	if (c.locked) {
		actor_for_login(&who, name, client, request_id);
		if (db_begin(db) == 0) {
			if (audit_write(db, &who, "session.login_locked", "username", name, NULL,
					NULL, e) == 0)
				db_commit(db);
			else
				db_rollback(db);
		}
		return anju_fail(
			e, ANJU_ELIMIT, "account_locked", "username",
			"连续登录失败次数过多，账号已锁定 %lld 分钟，请稍后再试或联系安全管理员",
			(long long)config_int("login_lock_minutes"));
	}
	if (!ok) {
		client_failures(client, 1);
		if ((rc = record_failure(db, name, client, request_id, &locked_now, e)) != 0)
			return rc;
		return anju_fail(e, ANJU_EUNAUTH, "invalid_credentials", NULL,
				 "用户名或密码不正确");
	}
	if ((rc = db_begin(db)) != 0)
		return db_fail(db, rc, e);
	{
		struct db_stmt *st;

		rc = db_prepare(db, "DELETE FROM login_failure WHERE username = ?", &st);
		if (rc == 0) {
			db_bind_cstr(st, 1, name);
			rc = db_step(st) < 0 ? ANJU_EDB : 0;
			db_reset(st);
		}
		if (rc != 0)
			rc = db_fail(db, rc, e);
	}
	if (rc == 0)
		rc = new_session(db, c.id, client, out, e);
	if (rc == 0) {
		char principal[32];

		principal_of("account", c.id, principal);
		actor_for_login(&who, name, client, request_id);
		who.principal = principal;
		rc = audit_write(db, &who, "session.login", "account", principal + 8, NULL, NULL,
				 e);
	}
	if (rc == 0 && (rc = db_commit(db)) != 0)
		rc = db_fail(db, rc, e);
	if (rc != 0) {
		db_rollback(db);
		explicit_bzero(out, sizeof(*out));
		return rc;
	}
	out->account_id = c.id;
	return 0;
}

/*
 * Sessions.
 */

static const char *
arena_text(struct arena *a, struct db_stmt *st, int col)
{
	const char *t = db_col_text(st, col);

	return arena_strdup(a, t ? t : "");
}

int
session_resolve(struct db *db, const char *token, struct arena *a, struct caller *c,
		const char **csrf, struct anju_err *e)
{
	struct db_stmt *st;
	char hash[2 * SHA256_LEN + 1], now[TIME_FMT_LEN], idle[TIME_FMT_LEN];
	char coalesce[TIME_FMT_LEN];
	bool touch = false;
	int rc;

	if (strlen(token) != TOKEN_TEXT_LEN - 1)
		return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL, "请先登录");
	sha256_hex(token, strlen(token), hash);
	now_text(now);
	time_format_utc(time_now_us() - config_int("session_idle_minutes") * 60 * INT64_C(1000000),
			idle);
	time_format_utc(time_now_us() - LAST_SEEN_COALESCE_US, coalesce);
	rc = db_prepare(db,
			"SELECT s.id, s.csrf_token, s.last_seen_at, a.id, a.username, a.role,"
			" a.all_communities, a.person_id, a.must_change_password FROM session s"
			" JOIN account a ON a.id = s.account_id WHERE s.token_hash = ?"
			" AND s.ended_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ?"
			" AND a.state = 'active'",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, hash);
	db_bind_cstr(st, 2, now);
	db_bind_cstr(st, 3, idle);
	rc = db_step(st);
	if (rc == DB_ROW) {
		char principal[32];

		memset(c, 0, sizeof(*c));
		c->kind = CALLER_ACCOUNT;
		c->session_id = db_col_int64(st, 0);
		*csrf = arena_text(a, st, 1);
		touch = strcmp(db_col_text(st, 2), coalesce) < 0;
		c->id = db_col_int64(st, 3);
		c->name = arena_text(a, st, 4);
		c->role = ROLE_COUNT;
		role_parse(db_col_text(st, 5), &c->role);
		c->all_communities = db_col_int64(st, 6) != 0;
		c->person_id = db_col_int64(st, 7);
		c->must_change_password = db_col_int64(st, 8) != 0;
		principal_of("account", c->id, principal);
		c->principal = arena_strdup(a, principal);
	}
	db_reset(st);
	if (rc == DB_DONE || (rc == DB_ROW && c->role == ROLE_COUNT))
		return anju_fail(e, ANJU_EUNAUTH, "session_expired", NULL,
				 "登录已过期，请重新登录");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	/* Reads do not write on every request: last-seen moves once a minute. */
	if (touch && !db_in_tx(db)) {
		rc = db_prepare(db, "UPDATE session SET last_seen_at = ? WHERE id = ?", &st);
		if (rc == 0) {
			db_bind_cstr(st, 1, now);
			db_bind_int64(st, 2, c->session_id);
			db_step(st);
			db_reset(st);
		}
	}
	return 0;
}

int
session_end(struct db *db, int64_t session_id, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int rc;

	now_text(now);
	rc = db_prepare(db, "UPDATE session SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, session_id);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	snprintf(oid, sizeof(oid), "%lld", (long long)session_id);
	return audit_write(db, who, "session.logout", "session", oid, NULL, NULL, e);
}

/*
 * API keys: "ak_<8 hex>_<43 URL-safe base64>", looked up by HMAC-SM3 under
 * keys/apikey.key: fast, and useless to whoever reads the database.
 */

static void
key_hash(const char *key, char out[2 * SM3_LEN + 1])
{
	uint8_t mac[SM3_LEN];

	hmac_sm3(keys_apikey(keys_current()), KEYS_LEN, key, strlen(key), mac);
	hex_encode(mac, sizeof(mac), out);
}

int
apikey_create(struct db *db, const char *name, enum role role, bool all_communities,
	      const int64_t *communities, int n, const struct audit_actor *who, char **key,
	      int64_t *id, struct anju_err *e)
{
	struct db_stmt *st;
	unsigned char p[4];
	char prefix[16], secret[TOKEN_TEXT_LEN], hash[2 * SM3_LEN + 1], now[TIME_FMT_LEN];
	char principal[32], oid[24];
	struct buf b;
	json_t *after;
	int rc;

	if (name == NULL || name[0] == '\0' || strlen(name) > API_KEY_NAME_MAX)
		return anju_fail(e, ANJU_EINVAL, "invalid_name", "name",
				 "密钥名称应为 1 到 64 个字符");
	if (role_name(role) == NULL || role == ROLE_TENANT)
		return anju_fail(e, ANJU_EINVAL, "invalid_role", "role", "此角色不能签发密钥");
	if ((rc = scope_validate(role, all_communities, n, e)) != 0)
		return rc;
	random_bytes(p, sizeof(p));
	memcpy(prefix, "ak_", 3);
	hex_encode(p, sizeof(p), prefix + 3);
	random_token(secret);
	buf_init(&b, 0);
	buf_printf(&b, "%s_%s", prefix, secret);
	explicit_bzero(secret, sizeof(secret));
	key_hash(b.p, hash);
	now_text(now);
	rc = db_prepare(
		db,
		"INSERT INTO api_key (name, prefix, key_hash, role, all_communities, created_at,"
		" created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc == 0) {
		db_bind_cstr(st, 1, name);
		db_bind_cstr(st, 2, prefix);
		db_bind_cstr(st, 3, hash);
		db_bind_cstr(st, 4, role_name(role));
		db_bind_int64(st, 5, all_communities);
		db_bind_cstr(st, 6, now);
		db_bind_cstr(st, 7, who && who->principal ? who->principal : "system");
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int64(st, 0);
		db_reset(st);
		rc = rc == DB_ROW ? 0 : rc;
	}
	if (rc != 0) {
		explicit_bzero(b.p, b.n);
		buf_free(&b);
		return db_fail(db, rc, e);
	}
	principal_of("apikey", *id, principal);
	if ((rc = scope_set(db, principal, communities, n, e)) != 0) {
		explicit_bzero(b.p, b.n);
		buf_free(&b);
		return rc;
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)*id);
	after = json_pack("{s:s, s:s, s:s, s:b}", "name", name, "prefix", prefix, "role",
			  role_name(role), "all_communities", all_communities);
	rc = audit_write(db, who, "apikey.create", "api_key", oid, NULL, after, e);
	json_decref(after);
	if (rc != 0) {
		explicit_bzero(b.p, b.n);
		buf_free(&b);
		return rc;
	}
	*key = buf_take(&b, NULL);
	return 0;
}

int
apikey_list(struct db *db, json_t **items, struct anju_err *e)
{
	struct db_stmt *st;
	int rc =
		db_prepare(db,
			   "SELECT id, name, prefix, role, all_communities, created_at, created_by,"
			   " last_used_at, revoked_at FROM api_key ORDER BY id",
			   &st);

	if (rc != 0)
		return db_fail(db, rc, e);
	*items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		char principal[32];
		json_t *scope = NULL;

		principal_of("apikey", db_col_int64(st, 0), principal);
		if (scope_json(db, principal, db_col_int64(st, 4) != 0, &scope, e) != 0)
			scope = json_null();
		json_array_append_new(
			*items,
			json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o}", "id",
				  (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1),
				  "prefix", db_col_text(st, 2), "role", db_col_text(st, 3), "scope",
				  scope, "created_at", db_col_text(st, 5), "created_by",
				  db_col_text(st, 6), "last_used_at",
				  db_col_null(st, 7) ? json_null()
						     : json_string(db_col_text(st, 7)),
				  "revoked_at",
				  db_col_null(st, 8) ? json_null()
						     : json_string(db_col_text(st, 8))));
	}
	db_reset(st);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return db_fail(db, rc, e);
	}
	return 0;
}

/*
 * Resolved API keys, per pool thread: an integration's burst of requests pays
 * the keyed hash and the lookup (a fifth of a small GET's time) once a
 * second, not on every request.  A revocation in this process empties every
 * thread's cache at once (the generation, bumped by apikey_revoke); one made
 * elsewhere (the CLI, another server), or a lookup that ran while the
 * revoking transaction was still to commit, takes effect here within
 * KEY_CACHE_US.  A miss resolves from the database and records the key's
 * use as before.
 */
#define KEY_CACHE_SLOTS 8
#define KEY_CACHE_US    INT64_C(1000000)
#define KEY_MAX         128

struct key_slot {
	char key[KEY_MAX + 1]; /* "" when free */
	char name[API_KEY_NAME_MAX + 1];
	char principal[32]; /* "apikey:<id>", made once */
	int64_t id;
	enum role role;
	bool all_communities;
	int64_t at_us;
	unsigned long generation;
};

static _Thread_local struct key_slot key_cache[KEY_CACHE_SLOTS];
static _Thread_local unsigned key_next;
static atomic_ulong key_generation;

static struct key_slot *
key_cached(const char *key, size_t n, int64_t now_us)
{
	unsigned long generation = atomic_load(&key_generation);

	for (int i = 0; i < KEY_CACHE_SLOTS; i++) {
		struct key_slot *s = &key_cache[i];

		if (s->key[0] == '\0' || s->generation != generation ||
		    now_us - s->at_us >= KEY_CACHE_US || now_us < s->at_us)
			continue;
		if (strlen(s->key) == n && ct_equal(s->key, key, n))
			return s;
	}
	return NULL;
}

static void
key_remember(const char *key, size_t n, const struct caller *c, int64_t at_us,
	     unsigned long generation)
{
	struct key_slot *s = &key_cache[key_next++ % KEY_CACHE_SLOTS];

	if (n > KEY_MAX || strlen(c->name) > API_KEY_NAME_MAX)
		return;
	memcpy(s->key, key, n);
	s->key[n] = '\0';
	snprintf(s->name, sizeof(s->name), "%s", c->name);
	snprintf(s->principal, sizeof(s->principal), "%s", c->principal);
	s->id = c->id;
	s->role = c->role;
	s->all_communities = c->all_communities;
	s->at_us = at_us;
	s->generation = generation;
}

int
apikey_revoke(struct db *db, int64_t id, const struct audit_actor *who, struct anju_err *e)
{
	struct db_stmt *st;
	char now[TIME_FMT_LEN], oid[24];
	int64_t changed;
	int rc;

	now_text(now);
	rc = db_prepare(db, "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, now);
	db_bind_int64(st, 2, id);
	atomic_fetch_add(&key_generation, 1);
	rc = db_step(st);
	changed = db_changes(st);
	db_reset(st);
	if (rc < 0)
		return db_fail(db, rc, e);
	if (changed == 0)
		return anju_fail(e, ANJU_ENOTFOUND, "api_key_not_found", NULL,
				 "没有这个有效的密钥");
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	return audit_write(db, who, "apikey.revoke", "api_key", oid, NULL, NULL, e);
}

/* The caller an API key stands for, from its row or its cached copy (whose
 * principal was made when it was cached: principal, else NULL). */
static void
apikey_caller(struct caller *c, struct arena *a, int64_t id, const char *name,
	      const char *principal, enum role role, bool all_communities)
{
	char made[32];

	memset(c, 0, sizeof(*c));
	c->kind = CALLER_API_KEY;
	c->id = id;
	c->name = arena_strdup(a, name);
	c->role = role;
	c->all_communities = all_communities;
	if (principal == NULL) {
		principal_of("apikey", id, made);
		principal = made;
	}
	c->principal = arena_strdup(a, principal);
}

static int
apikey_lookup(struct db *db, const char *key, struct arena *a, struct caller *c, struct anju_err *e)
{
	struct db_stmt *st;
	char hash[2 * SM3_LEN + 1], coalesce[TIME_FMT_LEN];
	bool touch = false;
	int rc;

	key_hash(key, hash);
	time_format_utc(time_now_us() - LAST_SEEN_COALESCE_US, coalesce);
	rc = db_prepare(db,
			"SELECT id, name, role, all_communities, last_used_at FROM api_key"
			" WHERE key_hash = ? AND revoked_at IS NULL",
			&st);
	if (rc != 0)
		return db_fail(db, rc, e);
	db_bind_cstr(st, 1, hash);
	rc = db_step(st);
	if (rc == DB_ROW) {
		enum role role = ROLE_COUNT;

		role_parse(db_col_text(st, 2), &role);
		apikey_caller(c, a, db_col_int64(st, 0), db_col_text(st, 1), NULL, role,
			      db_col_int64(st, 3) != 0);
		touch = db_col_null(st, 4) || strcmp(db_col_text(st, 4), coalesce) < 0;
	}
	db_reset(st);
	if (rc == DB_DONE || (rc == DB_ROW && c->role == ROLE_COUNT))
		return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL, "凭据无效");
	if (rc != DB_ROW)
		return db_fail(db, rc, e);
	if (touch && !db_in_tx(db)) {
		char now[TIME_FMT_LEN];

		now_text(now);
		if (db_prepare(db, "UPDATE api_key SET last_used_at = ? WHERE id = ?", &st) == 0) {
			db_bind_cstr(st, 1, now);
			db_bind_int64(st, 2, c->id);
			db_step(st);
			db_reset(st);
		}
	}
	return 0;
}

int
apikey_resolve(struct db *db, const char *key, struct arena *a, struct caller *c,
	       struct anju_err *e)
{
	size_t n = strlen(key);
	int64_t now_us = time_now_us();
	unsigned long generation = atomic_load(&key_generation);
	const struct key_slot *s;
	int rc;

	if (strncmp(key, "ak_", 3) != 0 || n > KEY_MAX)
		return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL, "凭据无效");
	if ((s = key_cached(key, n, now_us)) != NULL) {
		apikey_caller(c, a, s->id, s->name, s->principal, s->role, s->all_communities);
		return 0;
	}
	if ((rc = apikey_lookup(db, key, a, c, e)) == 0)
		key_remember(key, n, c, now_us, generation);
	return rc;
}

const struct caller *
caller_system(void)
{
	static const struct caller system = {
		.kind = CALLER_SYSTEM,
		.id = 0,
		.role = ROLE_ADMIN,
		.name = "system",
		.principal = "system",
		.all_communities = true,
	};

	return &system;
}
