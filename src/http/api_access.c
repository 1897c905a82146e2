/*
 * Access over HTTP: sign-in and sign-out, the caller's own account,
 * accounts (admin creates, security assigns roles and scopes), unlocking,
 * and API keys.
 */
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/auth.h"
#include "access/password.h"
#include "access/scope.h"
#include "approval/approval.h"
#include "core/config.h"
#include "http/router.h"
#include "store/db.h"

static const char *const role_names[] = {
	"admin",
	"security",
	"auditor",
	"bureau",
	"operator_manager",
	"operator_staff",
	"finance",
	"inspector",
	"assessor",
	"tenant",
	NULL,
};

static const struct field community_id = { "community", F_INT, true, 1, INT64_MAX };

static const struct field login_body[] = {
	{ "username", F_STRING, true, 1, 64 },
	{ "password", F_STRING, true, 1, PASSWORD_MAX },
	{ NULL },
};

static const struct field password_body[] = {
	{ "old_password", F_STRING, true, 1, PASSWORD_MAX },
	{ "new_password", F_STRING, true, 1, PASSWORD_MAX },
	{ NULL },
};

static const struct field account_body[] = {
	{ "username", F_STRING, true, 3, 32, .desc = "小写字母开头，3 到 32 个字符" },
	{ "display_name", F_STRING, false, 0, 64 },
	{ "role", F_ENUM, true, .enums = role_names },
	{ "all_communities", F_BOOL, false },
	{ "communities", F_ARRAY, false, 0, 1000, .items = &community_id },
	{ "reason", F_STRING, false, 0, 500, .desc = "申请理由" },
	{ NULL },
};

static const struct field role_body[] = {
	{ "role", F_ENUM, true, .enums = role_names },
	{ "all_communities", F_BOOL, false },
	{ "communities", F_ARRAY, false, 0, 1000, .items = &community_id },
	{ NULL },
};

static const struct field unlock_body[] = {
	{ "username", F_STRING, true, 1, 64 },
	{ NULL },
};

static const struct field apikey_body[] = {
	{ "name", F_STRING, true, 1, 64 },
	{ "role", F_ENUM, true, .enums = role_names },
	{ "all_communities", F_BOOL, false },
	{ "communities", F_ARRAY, false, 0, 1000, .items = &community_id },
	{ NULL },
};

static const struct field list_query[] = {
	{ "limit", F_INT, false, 1, 200 },
	{ "cursor", F_STRING, false, 1, 20 },
	{ NULL },
};

/* communities[] of a body, in the request's arena. */
static int64_t *
communities_of(struct req *r, int *n)
{
	json_t *a = json_object_get(r->json, "communities");
	int64_t *ids;
	size_t i;
	json_t *v;

	*n = (int)json_array_size(a);
	ids = arena_alloc(r->arena, sizeof(*ids) * (size_t)(*n + 1));
	json_array_foreach (a, i, v)
		ids[i] = json_integer_value(v);
	return ids;
}

static void
session_cookie(struct req *r, const char *token, int64_t max_age)
{
	req_add_header(r, "Set-Cookie",
		       arena_printf(r->arena,
				    "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
				    SESSION_COOKIE, token, (long long)max_age,
				    config_bool("secure_cookies") || r->https ? "; Secure" : ""));
}

static int
post_session(struct req *r, struct anju_err *e)
{
	struct login l;
	json_t *account = NULL;
	int rc;

	rc = login(r->db, member_str(r->json, "username"), member_str(r->json, "password"),
		   r->client, r->id, &l, e);
	if (rc != 0)
		return rc;
	if ((rc = account_get(r->db, l.account_id, &account, e)) != 0) {
		explicit_bzero(&l, sizeof(l));
		return rc;
	}
	session_cookie(r, arena_strdup(r->arena, l.token), config_int("session_max_hours") * 3600);
	reply_json(r, 201, json_pack("{s:s, s:o}", "csrf_token", l.csrf, "account", account));
	explicit_bzero(&l, sizeof(l));
	return 0;
}

static int
delete_session(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	if (r->caller->kind != CALLER_ACCOUNT)
		return anju_fail(e, ANJU_EINVAL, "no_session", NULL, "只有登录会话可以退出");
	access_actor(r, &who);
	if ((rc = session_end(r->db, r->caller->session_id, &who, e)) != 0)
		return rc;
	session_cookie(r, "", 0);
	reply_json(r, 200, json_pack("{s:s}", "status", "signed_out"));
	return 0;
}

static int
get_me(struct req *r, struct anju_err *e)
{
	const struct caller *c = r->caller;
	json_t *me = NULL, *scope = NULL;
	int rc;

	if (c->kind == CALLER_ACCOUNT) {
		if ((rc = account_get(r->db, c->id, &me, e)) != 0)
			return rc;
		json_object_set_new(me, "kind", json_string("account"));
		/* Same-origin script may read it anyway; a tab opened by hand needs it. */
		json_object_set_new(me, "csrf_token", json_string(c->csrf ? c->csrf : ""));
	} else {
		if ((rc = scope_json(r->db, c->principal, c->all_communities, &scope, e)) != 0)
			return rc;
		me = json_pack("{s:s, s:I, s:s, s:s, s:s, s:o}", "kind", "api_key", "id",
			       (json_int_t)c->id, "username", c->name, "role", role_name(c->role),
			       "role_title", role_title(c->role), "scope", scope);
	}
	reply_json(r, 200, me);
	return 0;
}

static int
post_password(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	if (r->caller->kind != CALLER_ACCOUNT)
		return anju_fail(e, ANJU_EINVAL, "no_session", NULL, "只有账号可以修改密码");
	access_actor(r, &who);
	rc = account_change_password(r->db, r->caller->id, member_str(r->json, "old_password"),
				     member_str(r->json, "new_password"), &who, e);
	if (rc != 0)
		return rc;
	session_cookie(r, "", 0);
	reply_json(r, 200, json_pack("{s:s}", "status", "password_changed"));
	return 0;
}

static int
list_accounts(struct req *r, struct anju_err *e)
{
	int64_t after = 0, next = 0;
	json_t *items = NULL;
	int limit, rc;

	if ((rc = req_page(r, &limit, &after, e)) != 0)
		return rc;
	if ((rc = account_list(r->db, after, limit, &items, &next, e)) != 0)
		return rc;
	reply_page(r, items, next);
	return 0;
}

/* Account creation is a two-person action: the administrator asks, the
 * security administrator approves (approval/kinds.c). */
static int
create_account(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	json_t *payload = json_deep_copy(r->json), *a = NULL;
	const char *reason = member_str(r->json, "reason");
	int64_t id = 0;
	int rc;

	json_object_del(payload, "reason");
	access_actor(r, &who);
	rc = approval_request(r->db, r->caller, &who, "account.create", payload,
			      reason ? reason : "新建账号", "username",
			      member_str(r->json, "username"), &id, e);
	json_decref(payload);
	if (rc != 0)
		return rc;
	if ((rc = approval_get(r->db, r->caller, id, &a, e)) != 0)
		return rc;
	reply_json(r, 202, json_pack("{s:o}", "approval", a));
	return 0;
}

static int
account_param(struct req *r, int64_t *id, struct anju_err *e)
{
	if (req_param_id(r, 0, id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "account_not_found", NULL, "没有这个账号");
	return 0;
}

static int
reply_account(struct req *r, int64_t id, struct anju_err *e)
{
	json_t *a = NULL;
	int rc = account_get(r->db, id, &a, e);

	if (rc == 0)
		reply_json(r, 200, a);
	return rc;
}

static int
set_role(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	enum role role;
	int64_t id, *ids;
	int n, rc;

	if ((rc = account_param(r, &id, e)) != 0)
		return rc;
	if (role_parse(member_str(r->json, "role"), &role) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_role", "role", "没有这个角色");
	if (!(ROLE_BIT(role) & ROLES_SCOPED))
		return anju_fail(e, ANJU_EFORBIDDEN, "role_not_grantable", "role",
				 "系统管理员、安全管理员、审计员只能由主机运维在命令行设置");
	ids = communities_of(r, &n);
	access_actor(r, &who);
	rc = account_set_role(r->db, id, role,
			      json_is_true(json_object_get(r->json, "all_communities")), ids, n,
			      &who, e);
	return rc != 0 ? rc : reply_account(r, id, e);
}

static int
set_state(struct req *r, const char *state, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if ((rc = account_param(r, &id, e)) != 0)
		return rc;
	if (r->caller->kind == CALLER_ACCOUNT && r->caller->id == id)
		return anju_fail(e, ANJU_EUNPROCESSABLE, "cannot_disable_self", NULL,
				 "不能停用自己的账号");
	access_actor(r, &who);
	rc = account_set_state(r->db, id, state, &who, e);
	return rc != 0 ? rc : reply_account(r, id, e);
}

static int
disable_account(struct req *r, struct anju_err *e)
{
	return set_state(r, "disabled", e);
}

static int
enable_account(struct req *r, struct anju_err *e)
{
	return set_state(r, "active", e);
}

static int
reset_password(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	char pw[21];
	json_t *a = NULL;
	int64_t id;
	int rc;

	if ((rc = account_param(r, &id, e)) != 0)
		return rc;
	access_actor(r, &who);
	if ((rc = account_reset_password(r->db, id, NULL, pw, &who, e)) != 0)
		return rc;
	if ((rc = account_get(r->db, id, &a, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:o, s:s}", "account", a, "initial_password", pw));
	explicit_bzero(pw, sizeof(pw));
	return 0;
}

static int
unlock(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int rc;

	access_actor(r, &who);
	if ((rc = account_unlock(r->db, member_str(r->json, "username"), &who, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:s}", "status", "unlocked"));
	return 0;
}

static int
list_keys(struct req *r, struct anju_err *e)
{
	json_t *items = NULL;
	int rc = apikey_list(r->db, &items, e);

	if (rc == 0)
		reply_json(r, 200, json_pack("{s:o}", "items", items));
	return rc;
}

static int
create_key(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	enum role role;
	char *key = NULL;
	int64_t id = 0, *ids;
	int n, rc;

	if (role_parse(member_str(r->json, "role"), &role) != 0)
		return anju_fail(e, ANJU_EINVAL, "invalid_role", "role", "没有这个角色");
	if (!(ROLE_BIT(role) & ROLES_SCOPED))
		return anju_fail(e, ANJU_EFORBIDDEN, "role_not_grantable", "role",
				 "此角色的密钥只能由主机运维在命令行签发");
	ids = communities_of(r, &n);
	access_actor(r, &who);
	rc = apikey_create(r->db, member_str(r->json, "name"), role,
			   json_is_true(json_object_get(r->json, "all_communities")), ids, n, &who,
			   &key, &id, e);
	if (rc != 0)
		return rc;
	reply_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "key", key));
	explicit_bzero(key, strlen(key));
	free(key);
	return 0;
}

static int
revoke_key(struct req *r, struct anju_err *e)
{
	struct audit_actor who;
	int64_t id;
	int rc;

	if (req_param_id(r, 0, &id) != 0)
		return anju_fail(e, ANJU_ENOTFOUND, "api_key_not_found", NULL, "没有这个密钥");
	access_actor(r, &who);
	if ((rc = apikey_revoke(r->db, id, &who, e)) != 0)
		return rc;
	reply_json(r, 200, json_pack("{s:s}", "status", "revoked"));
	return 0;
}

#define ACCOUNT_REF "{\"$ref\":\"#/components/schemas/Account\"}"
#define STATUS_SCHEMA                                                                              \
	"{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":{\"type\":"     \
	"\"string\"}}}"
#define ADMIN    ROLE_BIT(ROLE_ADMIN)
#define SECURITY ROLE_BIT(ROLE_SECURITY)

static const struct route routes[] = {
	{ "POST", "/api/v1/session", ACCESS_PUBLIC, .body = login_body, .flags = ROUTE_OWN_TX,
	  .status = 201,
	  .response = "{\"type\":\"object\",\"required\":[\"csrf_token\",\"account\"],"
		      "\"properties\":{\"csrf_token\":{\"type\":\"string\",\"minLength\":40},"
		      "\"account\":" ACCOUNT_REF "}}",
	  .summary = "登录（设置会话 Cookie，返回 CSRF 令牌）", .handler = post_session },
	{ "DELETE", "/api/v1/session", ACCESS_CALLER, ROLES_ANY, .flags = ROUTE_BEFORE_PASSWORD,
	  .status = 200, .response = STATUS_SCHEMA, .summary = "退出登录",
	  .handler = delete_session },
	{ "GET", "/api/v1/me", ACCESS_CALLER, ROLES_ANY, .flags = ROUTE_BEFORE_PASSWORD,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"kind\",\"username\",\"role\"]}",
	  .summary = "当前登录身份", .handler = get_me },
	{ "POST", "/api/v1/me/password", ACCESS_CALLER, ROLES_ANY, .body = password_body,
	  .flags = ROUTE_BEFORE_PASSWORD, .status = 200, .response = STATUS_SCHEMA,
	  .summary = "修改自己的密码（之后需重新登录）", .handler = post_password },
	{ "GET", "/api/v1/accounts", ACCESS_CALLER, ADMIN | SECURITY, .query = list_query,
	  .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
		      "\"items\":{\"type\":\"array\",\"items\":" ACCOUNT_REF "},"
		      "\"next\":{\"type\":[\"string\",\"null\"]}}}",
	  .summary = "账号列表", .handler = list_accounts },
	{ "POST", "/api/v1/accounts", ACCESS_CALLER, ADMIN, .body = account_body, .status = 202,
	  .response = "{\"type\":\"object\",\"required\":[\"approval\"],\"properties\":{"
		      "\"approval\":{\"$ref\":\"#/components/schemas/Approval\"}}}",
	  .summary = "申请创建业务账号（由安全管理员审批）", .handler = create_account },
	{ "PUT", "/api/v1/accounts/{id}/role", ACCESS_CALLER, SECURITY, .body = role_body,
	  .status = 200, .response = ACCOUNT_REF, .summary = "设置角色与小区范围",
	  .handler = set_role },
	{ "POST", "/api/v1/accounts/{id}/disable", ACCESS_CALLER, ADMIN | SECURITY, .status = 200,
	  .response = ACCOUNT_REF, .summary = "停用账号", .handler = disable_account },
	{ "POST", "/api/v1/accounts/{id}/enable", ACCESS_CALLER, ADMIN | SECURITY, .status = 200,
	  .response = ACCOUNT_REF, .summary = "启用账号", .handler = enable_account },
	{ "POST", "/api/v1/accounts/{id}/reset-password", ACCESS_CALLER, ADMIN, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"account\",\"initial_password\"]}",
	  .summary = "重置密码（生成初始密码）", .handler = reset_password },
	{ "POST", "/api/v1/unlock", ACCESS_CALLER, SECURITY, .body = unlock_body, .status = 200,
	  .response = STATUS_SCHEMA, .summary = "解除用户名的登录锁定", .handler = unlock },
	{ "GET", "/api/v1/api-keys", ACCESS_CALLER, SECURITY, .status = 200,
	  .response = "{\"type\":\"object\",\"required\":[\"items\"]}", .summary = "API 密钥列表",
	  .handler = list_keys },
	{ "POST", "/api/v1/api-keys", ACCESS_CALLER, SECURITY, .body = apikey_body, .status = 201,
	  .response = "{\"type\":\"object\",\"required\":[\"id\",\"key\"],\"properties\":{"
		      "\"id\":{\"type\":\"integer\"},\"key\":{\"type\":\"string\",\"pattern\":\"^"
		      "ak_\"}}}",
	  .summary = "签发 API 密钥（只显示一次）", .handler = create_key },
	{ "POST", "/api/v1/api-keys/{id}/revoke", ACCESS_CALLER, SECURITY, .status = 200,
	  .response = STATUS_SCHEMA, .summary = "吊销 API 密钥", .handler = revoke_key },
	{ NULL },
};

static const struct api_schema schemas[] = {
	{ "Account",
	  "{\"type\":\"object\",\"required\":[\"id\",\"username\",\"display_name\",\"role\","
	  "\"role_title\",\"state\",\"must_change_password\",\"scope\",\"created_at\"],"
	  "\"properties\":{\"id\":{\"type\":\"integer\"},\"username\":{\"type\":\"string\"},"
	  "\"display_name\":{\"type\":\"string\"},\"role\":{\"type\":\"string\"},"
	  "\"role_title\":{\"type\":\"string\"},\"state\":{\"enum\":[\"active\",\"disabled\"]},"
	  "\"must_change_password\":{\"type\":\"boolean\"},"
	  "\"scope\":{\"type\":\"object\",\"required\":[\"all\",\"communities\"]},"
	  "\"person_id\":{\"type\":[\"integer\",\"null\"]},"
	  "\"created_at\":{\"type\":\"string\"},\"created_by\":{\"type\":\"string\"},"
	  "\"updated_at\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"}}}" },
	{ NULL },
};

const struct api_module api_access = { "access", routes, schemas };
