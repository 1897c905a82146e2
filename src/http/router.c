/*
 * The router: route matching, contract enforcement and the transaction and
 * idempotency discipline around mutations.  Handlers only ever see input that
 * passed their route's contract, and a handler that fails leaves nothing
 * written: every mutation runs in one transaction that commits only on
 * success.
 */
#include "http/router.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "store/db.h"
#include "store/idempotency.h"

static auth_hook_fn auth_hook;

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
url_decode(struct arena *a, const char *s, size_t n, bool plus_space)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus_space) {
			out[j++] = ' ';
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

static bool
is_mutation(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* Compares one raw path segment with one route segment, capturing {params}. */
static int
match_path(const char *route_path, const char *path, struct arena *a, const char **params,
	   int *nparams)
{
	struct str rp = str_c(route_path), p = str_c(path), rseg, pseg;
	int n = 0;

	for (;;) {
		bool rmore = str_cut(&rp, '/', &rseg);
		bool pmore = str_cut(&p, '/', &pseg);

		if (rseg.n > 1 && rseg.p[0] == '{') {
			char *v;

			if (pseg.n == 0 || n >= REQ_MAX_PARAMS)
				return ANJU_ENOTFOUND;
			v = url_decode(a, pseg.p, pseg.n, false);
			/* A parameter is one segment: an encoded slash, a backslash or a
			 * dot segment never reaches a handler. */
			if (v == NULL || strpbrk(v, "/\\") != NULL || strcmp(v, ".") == 0 ||
			    strcmp(v, "..") == 0)
				return ANJU_ENOTFOUND;
			params[n++] = v;
		} else if (!str_eq(rseg, pseg)) {
			return ANJU_ENOTFOUND;
		}
		if (rmore != pmore)
			return ANJU_ENOTFOUND;
		if (!rmore)
			break;
	}
	*nparams = n;
	return 0;
}

/* Whether path starts with route_path's text before its first {param}: a
 * cheap test that rules out nearly every route before match_path. */
static bool
literal_prefix_matches(const char *route_path, const char *path)
{
	for (; *route_path != '\0' && *route_path != '{'; route_path++, path++)
		if (*route_path != *path)
			return false;
	return true;
}

/*
 * The route index, built once: routes by method and by the path's text up to
 * its fourth slash ("/api/v1/units" for "/api/v1/units/{id}/dossier"), so a
 * request tries only the routes that can match its path.  A route whose text
 * before that slash has a {param} ("/l/{token}") is loose: tried for every
 * path of its method.  The slots of a bucket, and the loose ones, keep the
 * routes' order (ord), and a request walks both in that order: the first
 * route that matches answers, as when every route was tried in turn.  GET
 * routes are filed under HEAD too; ANY files every route once, for telling
 * 405 from 404.
 */
enum { M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_ANY, M_COUNT };

struct slot {
	int ord;
	const struct route *rt;
};

struct bucket {
	int method;
	const char *key; /* a route's path; the key is its first keylen bytes */
	size_t keylen;
	struct slot *slots;
	int n;
};

#define BUCKETS 2048 /* a power of two, over twice the buckets 400 routes fill */

static struct {
	struct bucket table[BUCKETS];
	struct slot *loose[M_COUNT];
	int nloose[M_COUNT];
} idx;
static pthread_once_t idx_once = PTHREAD_ONCE_INIT;

static int
method_code(const char *m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" };

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(m, names[i]) == 0)
			return i;
	return -1;
}

/* The length of path's key (up to its fourth slash, or all of it). */
static size_t
key_len(const char *path)
{
	size_t i = 0;

	for (int slashes = 0; path[i] != '\0'; i++)
		if (path[i] == '/' && ++slashes == 4)
			break;
	return i;
}

static uint32_t
key_hash(int method, const char *key, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)method;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

static struct bucket *
bucket_find(int method, const char *key, size_t n, bool add)
{
	static int filled;

	for (uint32_t i = key_hash(method, key, n) & (BUCKETS - 1);; i = (i + 1) & (BUCKETS - 1)) {
		struct bucket *b = &idx.table[i];

		if (b->key == NULL) {
			if (!add)
				return NULL;
			if (++filled > BUCKETS / 2) { /* more routes than BUCKETS allows for */
				log_write(LOG_ERROR, "route index: over %d buckets", BUCKETS / 2);
				abort();
			}
			b->method = method;
			b->key = key;
			b->keylen = n;
			return b;
		}
		if (b->method == method && b->keylen == n && memcmp(b->key, key, n) == 0)
			return b;
	}
}

/* Appends rt (the ord-th route) to its list under method. */
static void
index_file(int method, int ord, const struct route *rt, size_t klen, bool loose)
{
	struct slot **slots;
	int *n;

	if (loose) {
		slots = &idx.loose[method];
		n = &idx.nloose[method];
	} else {
		struct bucket *b = bucket_find(method, rt->path, klen, true);

		slots = &b->slots;
		n = &b->n;
	}
	*slots = xrealloc(*slots, (size_t)(*n + 1) * sizeof(**slots));
	(*slots)[(*n)++] = (struct slot){ ord, rt };
}

static void
index_build(void)
{
	int ord = 0;

	for (const struct api_module *const *m = api_modules; *m != NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt->path != NULL; rt++, ord++) {
			int mc = method_code(rt->method);
			size_t klen = key_len(rt->path);
			bool loose = memchr(rt->path, '{', klen) != NULL;

			/* A route table's mistake, found at the first request. */
			if (mc < 0) {
				log_write(LOG_ERROR, "route %s %s: unknown method", rt->method,
					  rt->path);
				abort();
			}
			index_file(mc, ord, rt, klen, loose);
			index_file(M_ANY, ord, rt, klen, loose);
			if (mc == M_GET)
				index_file(M_HEAD, ord, rt, klen, loose);
		}
	}
}

/* The first route of method (or of any, M_ANY) whose path matches: 0, or
 * ANJU_ENOTFOUND. */
static int
index_match(int method, const char *path, struct arena *a, const struct route **out,
	    const char **params, int *nparams)
{
	size_t klen = key_len(path);
	const struct bucket *b = bucket_find(method, path, klen, false);
	const struct slot *s = b ? b->slots : NULL, *l = idx.loose[method];
	/* A method without loose routes has no list at all (NULL + 0 is
	 * undefined). */
	const struct slot *se = b ? s + b->n : NULL, *le = l ? l + idx.nloose[method] : NULL;

	while (s != se || l != le) {
		const struct slot *next;
		int np = 0;

		/* The earlier of the two lists' heads. */
		if (l == le || (s != se && s->ord < l->ord))
			next = s++;
		else
			next = l++;
		if (!literal_prefix_matches(next->rt->path, path) ||
		    match_path(next->rt->path, path, a, params, &np) != 0)
			continue;
		*out = next->rt;
		*nparams = np;
		return 0;
	}
	return ANJU_ENOTFOUND;
}

int
router_match(const char *method, const char *path, struct arena *a, const struct route **out,
	     const char **params, int *nparams)
{
	const struct route *any;
	int mc = method_code(method), np = 0;

	pthread_once(&idx_once, index_build);
	/* First the routes of this method; only when none matches, whether a
	 * route of another method has the path (405) or none (404). */
	if (mc >= 0 && index_match(mc, path, a, out, params, nparams) == 0)
		return 0;
	if (index_match(M_ANY, path, a, &any, params, &np) == 0)
		return ANJU_EUNPROCESSABLE;
	return ANJU_ENOTFOUND;
}

void
http_set_auth_hook(auth_hook_fn fn)
{
	auth_hook = fn;
}

static bool
valid_idempotency_key(const char *k)
{
	size_t n = strlen(k);

	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

static int
check_content_type(struct req *r, struct anju_err *e)
{
	const char *ct = req_header(r, "Content-Type");

	if (r->body.n == 0)
		return 0;
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
		return anju_fail(e, ANJU_EMEDIATYPE, "unsupported_media_type", NULL,
				 "请求内容类型应为 application/json");
	return 0;
}

/* Parses and validates the body per the route; an empty body of a route
 * without fields is an empty object. */
static int
read_body(struct req *r, struct anju_err *e)
{
	const struct route *rt = r->route;
	static const struct field none[] = { { NULL } };
	int rc;

	if (rt->flags & ROUTE_RAW_BODY)
		return 0;
	if (rt->body == NULL && !is_mutation(r->method)) {
		if (r->body.n != 0)
			return anju_fail(e, ANJU_EINVAL, "unexpected_body", NULL,
					 "此请求不接受请求内容");
		return 0;
	}
	if ((rc = check_content_type(r, e)) != 0)
		return rc;
	if (r->body.n == 0) {
		r->json = json_object();
	} else {
		r->json = json_parse_body(r->body.p, r->body.n, JSON_MAX_DEPTH, e);
		if (r->json == NULL)
			return ANJU_EINVAL;
	}
	return fields_validate(rt->body ? rt->body : none, r->json, e);
}

static void
replay(struct req *r, const struct idem_record *rec)
{
	json_error_t jerr;

	reply_json(r, rec->status, json_loads(rec->response, 0, &jerr));
	r->replayed = true;
	req_add_header(r, "Idempotent-Replayed", "true");
}

/* Runs a mutation in one transaction, with Idempotency-Key handling. */
static int
run_mutation(struct req *r, struct anju_err *e)
{
	const char *key = req_header(r, "Idempotency-Key");
	const char *caller = r->caller ? r->caller->principal : "anonymous";
	int64_t ttl = config_int("idempotency_hours") * 3600 * INT64_C(1000000);
	struct idem_record rec = { 0 };
	char hash[65];
	char *response = NULL;
	int rc;

	if (key != NULL && !valid_idempotency_key(key))
		return anju_fail(e, ANJU_EINVAL, "invalid_idempotency_key", "Idempotency-Key",
				 "Idempotency-Key 应为 1 到 128 个可见 ASCII 字符");
	if (key != NULL) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		unsigned char md[32];
		unsigned int len = 0;

		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1);
		EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1);
		/* The query is part of the request (an upload names its owner there). */
		for (int i = 0; i < r->nquery; i++) {
			EVP_DigestUpdate(ctx, r->query[i].name, strlen(r->query[i].name) + 1);
			EVP_DigestUpdate(ctx, r->query[i].value, strlen(r->query[i].value) + 1);
		}
		EVP_DigestUpdate(ctx, r->body.p ? r->body.p : "", r->body.n);
		EVP_DigestFinal_ex(ctx, md, &len);
		EVP_MD_CTX_free(ctx);
		hex_encode(md, 32, hash);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = db_begin(r->db)) != 0)
			return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL,
					 "begin: %s", db_errmsg(r->db));
		if (key != NULL) {
			rc = idem_lookup(r->db, caller, key, ttl, &rec);
			if (rc == 1) {
				db_rollback(r->db);
				if (strcmp(rec.body_hash, hash) != 0) {
					idem_record_free(&rec);
					return anju_fail(
						e, ANJU_EUNPROCESSABLE, "idempotency_key_reused",
						"Idempotency-Key",
						"此 Idempotency-Key 已用于另一个不同的请求");
				}
				replay(r, &rec);
				idem_record_free(&rec);
				return 0;
			}
			if (rc < 0)
				goto fail_db;
		}
		rc = r->route->handler(r, e);
		if (rc != 0) {
			db_rollback(r->db);
			return rc;
		}
		if (key != NULL) {
			/* The reply as sent: a tree, or JSON already written as text. */
			bool text = r->raw.n > 0 && r->content_type != NULL &&
				    strncmp(r->content_type, "application/json", 16) == 0;

			response = r->out ? json_dumps(r->out, JSON_COMPACT)
				   : text ? xstrndup(r->raw.p, r->raw.n)
					  : strdup("null");
			rc = idem_store(r->db, caller, key, ttl, r->method, r->path, hash,
					r->status, response);
			free(response);
			if (rc == ANJU_ECONFLICT) {
				/* Another request with this key committed first: replay it. */
				db_rollback(r->db);
				json_decref(r->out);
				r->out = NULL;
				buf_reset(&r->raw);
				continue;
			}
			if (rc < 0)
				goto fail_db;
		}
		if ((rc = db_commit(r->db)) != 0)
			goto fail_db;
		return 0;
	}
	return anju_fail(e, ANJU_EBUSY, NULL, NULL, "idempotency race did not settle");
fail_db:
	db_rollback(r->db);
	return anju_fail(e, rc == ANJU_EBUSY ? ANJU_EBUSY : ANJU_EDB, NULL, NULL, "database: %s",
			 db_errmsg(r->db));
}

/* Who is calling (the hook), and may they call this route: 401, then 403. */
static int
authorize(struct req *r, struct anju_err *e)
{
	int rc;

	if (auth_hook == NULL)
		return anju_fail(e, ANJU_EUNAUTH, "unauthenticated", NULL, "请先登录");
	if ((rc = auth_hook(r, e)) != 0)
		return rc;
	if (r->caller->must_change_password && !(r->route->flags & ROUTE_BEFORE_PASSWORD))
		return anju_fail(e, ANJU_EFORBIDDEN, "password_change_required", NULL,
				 "请先修改初始密码");
	if (!(r->route->roles & ROLE_BIT(r->caller->role)))
		return anju_fail(e, ANJU_EFORBIDDEN, "forbidden", NULL,
				 "当前角色（%s）无权进行此操作", role_title(r->caller->role));
	return 0;
}

/* The methods the request's path takes, for the Allow header of a 405. */
static const char *
allowed_methods(struct req *r)
{
	struct buf b;
	const char *params[REQ_MAX_PARAMS], *out;
	int np;

	buf_init(&b, 256);
	for (const struct api_module *const *m = api_modules; *m != NULL; m++)
		for (const struct route *rt = (*m)->routes; rt->path != NULL; rt++)
			if (match_path(rt->path, r->path, r->arena, params, &np) == 0 &&
			    (b.p == NULL || strstr(b.p, rt->method) == NULL))
				buf_printf(&b, "%s%s%s", b.n ? ", " : "", rt->method,
					   strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
	out = arena_strdup(r->arena, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

static int
dispatch(struct req *r, struct anju_err *e)
{
	int rc;

	rc = r->matched ? r->match_rc
			: router_match(r->method, r->path, r->arena, &r->route, r->params,
				       &r->nparams);
	if (rc == ANJU_EUNPROCESSABLE) {
		r->route = NULL;
		req_add_header(r, "Allow", allowed_methods(r));
		return anju_fail(e, ANJU_EINVAL, "method_not_allowed", NULL, "不支持的请求方法 %s",
				 r->method);
	}
	if (rc != 0) {
		if (strncmp(r->path, "/api/", 5) != 0 && strcmp(r->path, "/api") != 0)
			return static_serve(r, e);
		return anju_fail(e, ANJU_ENOTFOUND, "not_found", NULL, "没有这个接口");
	}
	if (r->query_overflow)
		return anju_fail(e, ANJU_EINVAL, "too_many_parameters", NULL, "查询参数过多");
	r->db = db_thread(e);
	if (r->db == NULL) {
		char why[sizeof(e->msg)];

		memcpy(why, e->msg, sizeof(why));
		return anju_fail(e, ANJU_EBUSY, "database_unavailable", NULL, "%s", why);
	}
	if (r->route->access != ACCESS_PUBLIC && (rc = authorize(r, e)) != 0)
		return rc;
	if ((rc = query_validate(r->route->query, r->query, r->nquery, e)) != 0)
		return rc;
	if ((rc = read_body(r, e)) != 0)
		return rc;
	if (is_mutation(r->method) && !(r->route->flags & (ROUTE_OWN_TX | ROUTE_READ_ONLY)))
		return run_mutation(r, e);
	return r->route->handler(r, e);
}

void
http_handle(struct req *r)
{
	struct anju_err e;
	int rc;

	anju_err_clear(&e);
	if (r->early_status == 413 || r->body_too_big) {
		anju_fail(&e, ANJU_ETOOBIG, "body_too_large", NULL, "请求内容超过 %zu 字节的上限",
			  r->body_limit);
		reply_error(r, &e);
		return;
	}
	rc = dispatch(r, &e);
	if (rc != 0) {
		if (e.code == 0)
			anju_fail(&e, rc, NULL, NULL, "request failed");
		if (strcmp(e.key, "method_not_allowed") == 0) {
			reply_error(r, &e);
			r->status = 405;
			return;
		}
		if (http_status_for(e.code) >= 500)
			log_error("%s %s failed: %s: %s", r->method, r->path, e.key, e.msg);
		reply_error(r, &e);
	}
}

int
http_loggable_query(const struct req *r, struct buf *out)
{
	if (r->route == NULL || (r->route->flags & ROUTE_SENSITIVE_QUERY) || r->nquery == 0)
		return 0;
	for (int i = 0; i < r->nquery; i++)
		buf_printf(out, "%s%s=%s", i ? "&" : "", r->query[i].name, r->query[i].value);
	return 1;
}

void
http_access_log(const struct req *r, bool completed, int reason, int64_t us)
{
	struct buf q;
	int has_query;

	buf_init(&q, 4096);
	has_query = http_loggable_query(r, &q);
	if (completed)
		log_info("%s %s%s %d %lld.%03lldms client=%s", r->method, r->path,
			 has_query ? "?…" : "", r->status, (long long)(us / 1000),
			 (long long)(us % 1000), r->client);
	else
		log_info("%s %s aborted (%d) after %lldms client=%s", r->method, r->path, reason,
			 (long long)(us / 1000), r->client);
	if (has_query)
		log_debug("query %s", q.p);
	buf_free(&q);
}
