/*
 * The HTTP layer's authentication hook: a bearer API key, or the session
 * cookie (with its CSRF token on every mutation, in X-CSRF-Token).
 */
#include "access/auth.h"

#include <string.h>

#include "access/account.h"
#include "core/crypto.h"
#include "http/router.h"

static bool
is_mutation(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int
access_authenticate(struct req *r, struct anju_err *e)
{
	const char *auth = req_header(r, "Authorization");
	const char *cookie = req_cookie(r, SESSION_COOKIE), *csrf = NULL, *sent;
	struct caller *c = arena_alloc(r->arena, sizeof(*c));
	int rc;

	if (auth != NULL) {
		if (strncmp(auth, "Bearer ", 7) != 0)
			return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL,
					 "凭据格式不正确");
		if ((rc = apikey_resolve(r->db, auth + 7, r->arena, c, e)) != 0)
			return rc;
		r->caller = c;
		return 0;
	}
	if (cookie == NULL)
		return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL, "请先登录");
	if ((rc = session_resolve(r->db, cookie, r->arena, c, &csrf, e)) != 0)
		return rc;
	if (is_mutation(r->method)) {
		/* SameSite=Strict already keeps other sites' forms out; the token is the
		 * second lock, required of every cookie-authenticated change. */
		sent = req_header(r, "X-CSRF-Token");
		if (sent == NULL || strlen(sent) != strlen(csrf) ||
		    !ct_equal(sent, csrf, strlen(csrf)))
			return anju_fail(e, ANJU_EFORBIDDEN, "csrf_failed", NULL,
					 "请求缺少有效的 CSRF 令牌，请刷新页面后重试");
	}
	c->csrf = csrf;
	r->caller = c;
	return 0;
}

void
access_actor(const struct req *r, struct audit_actor *who)
{
	audit_actor_of(who, r->caller, r->client, r->id);
}
