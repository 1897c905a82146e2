/*
 * Unit tests of the HTTP layer without a socket: JSON body parsing and field
 * validation, query validation, routing and URL decoding, the error table,
 * and the OpenAPI document built from the routes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

static const char *const colours[] = { "red", "green", NULL };
static const struct field inner[] = {
	{ "n", F_INT, true, 0, 10 },
	{ NULL },
};
static const struct field item = { "item", F_OBJECT, true, .fields = inner };
static const struct field spec[] = {
	{ "name", F_STRING, true, 1, 4 },
	{ "count", F_INT, false, -5, 5 },
	{ "flag", F_BOOL, false },
	{ "colour", F_ENUM, false, .enums = colours },
	{ "day", F_DATE, false },
	{ "month", F_PERIOD, false },
	{ "inner", F_OBJECT, false, .fields = inner },
	{ "free", F_OBJECT, false },
	{ "list", F_ARRAY, false, 0, 2, .items = &item },
	{ NULL },
};

static int
validate(const char *text, char *key, char *field)
{
	struct anju_err e;
	json_t *j;
	int rc;

	anju_err_clear(&e);
	j = json_parse_body(text, strlen(text), JSON_MAX_DEPTH, &e);
	if (j == NULL) {
		strcpy(key, e.key);
		field[0] = '\0';
		return e.code;
	}
	rc = fields_validate(spec, j, &e);
	json_decref(j);
	strcpy(key, e.key);
	strcpy(field, e.field);
	return rc;
}

static void
test_json_bodies(void **state)
{
	char key[64], field[64];

	(void)state;
	assert_int_equal(validate("{\"name\":\"张三\"}", key, field), 0);
	assert_int_equal(
		validate("{\"name\":\"ab\",\"count\":-5,\"flag\":true,\"colour\":\"red\","
			 "\"day\":\"2024-02-29\",\"month\":\"2026-11\",\"inner\":{\"n\":3},"
			 "\"free\":{\"anything\":[1]},\"list\":[{\"n\":0},{\"n\":10}]}",
			 key, field),
		0);
	assert_int_equal(validate("{\"name\":\"ab\",\"count\":null}", key, field), 0);
	static const struct {
		const char *body, *key, *field;
	} bad[] = {
		{ "", "invalid_json", "" },
		{ "{", "invalid_json", "" },
		{ "[]", "invalid_json", "" },
		{ "\"x\"", "invalid_json", "" },
		{ "{\"name\":\"a\",\"name\":\"b\"}", "invalid_json", "" },
		{ "{\"name\":\"\xc3\x28\"}", "invalid_json", "" },
		{ "{\"name\":\"a\"} junk", "invalid_json", "" },
		{ "{}", "missing_field", "name" },
		{ "{\"name\":null}", "invalid_type", "name" },
		{ "{\"name\":\"\"}", "invalid_length", "name" },
		{ "{\"name\":\"五个字符了\"}", "invalid_length", "name" },
		{ "{\"name\":\"a\\u0000b\"}", "invalid_json", "" },
		{ "{\"name\":\"a\\u0007\"}", "invalid_value", "name" },
		{ "{\"name\":1}", "invalid_type", "name" },
		{ "{\"name\":\"a\",\"count\":6}", "out_of_range", "count" },
		{ "{\"name\":\"a\",\"count\":1.5}", "invalid_type", "count" },
		{ "{\"name\":\"a\",\"count\":\"1\"}", "invalid_type", "count" },
		{ "{\"name\":\"a\",\"flag\":1}", "invalid_type", "flag" },
		{ "{\"name\":\"a\",\"colour\":\"blue\"}", "invalid_value", "colour" },
		{ "{\"name\":\"a\",\"day\":\"2026-02-29\"}", "invalid_date", "day" },
		{ "{\"name\":\"a\",\"month\":\"2026-13\"}", "invalid_period", "month" },
		{ "{\"name\":\"a\",\"inner\":{}}", "missing_field", "inner.n" },
		{ "{\"name\":\"a\",\"inner\":{\"n\":1,\"x\":2}}", "unknown_field", "inner.x" },
		{ "{\"name\":\"a\",\"inner\":[]}", "invalid_type", "inner" },
		{ "{\"name\":\"a\",\"list\":[{\"n\":1},{\"n\":2},{\"n\":3}]}", "invalid_length",
		  "list" },
		{ "{\"name\":\"a\",\"list\":[{\"n\":1},{\"n\":11}]}", "out_of_range", "list[1].n" },
		{ "{\"name\":\"a\",\"list\":[5]}", "invalid_type", "list[0]" },
		{ "{\"name\":\"a\",\"other\":1}", "unknown_field", "other" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = validate(bad[i].body, key, field);

		if (rc == 0 || strcmp(key, bad[i].key) != 0 || strcmp(field, bad[i].field) != 0)
			fail_msg("%s: got %d %s %s", bad[i].body, rc, key, field);
	}
}

/* json_write writes exactly what json_dumps(JSON_COMPACT) does, with and
 * without JSON_SORT_KEYS: replies and audit rows must not change with the
 * faster writer. */
static void
test_json_write(void **state)
{
	static const char *const docs[] = {
		"{}",
		"[]",
		"{\"a\":1,\"z\":[true,false,null],\"m\":{\"k\":\"v\"},\"e\":{},\"l\":[]}",
		"{\"name\":\"南苑公租房 3-2-1502\",\"n\":-9223372036854775807,\"zero\":0,"
		"\"max\":9223372036854775807}",
		"[\"quote \\\" back \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\","
		"\"\\u0001\\u001f\\u007f\",\"\\u2028 €𝄞\"]",
		"[0.5,1.0,-2.5e-07,1e+300,3.141592653589793,100.0,-0.0]",
		"[[[[{\"deep\":[1,[2,[3]]]}]]]]",
		/* More members than the sort's stack array, in reverse order. */
		"{\"z9\":1,\"z8\":2,\"z7\":3,\"z6\":4,\"z5\":5,\"z4\":6,\"z3\":7,\"z2\":8,"
		"\"z1\":9,\"y9\":1,\"y8\":2,\"y7\":3,\"y6\":4,\"y5\":5,\"y4\":6,\"y3\":7,"
		"\"y2\":8,\"y1\":9,\"x9\":1,\"x8\":2,\"x7\":3,\"x6\":4,\"x5\":5,\"x4\":6,"
		"\"x3\":7,\"x2\":8,\"x1\":9,\"w9\":1,\"w8\":2,\"w7\":3,\"w6\":4,\"w5\":5,"
		"\"w4\":6,\"w3\":{\"b\":1,\"a\":[{\"d\":1,\"c\":2}]},\"w2\":8,\"w1\":9,\"\":0,"
		"\"Z\":0,\"中文\":1,\"a\":0}",
	};
	struct buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_error_t err;
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY, &err);
		char *want;

		assert_non_null(v);
		for (int sorted = 0; sorted < 2; sorted++) {
			int flags = sorted ? JSON_SORT_KEYS : 0;

			want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | flags);
			buf_init(&b, 0);
			assert_int_equal(json_write(&b, v, flags), 0);
			assert_string_equal(b.p, want);
			assert_int_equal(b.n, strlen(want));
			buf_free(&b);
			free(want);
		}
		json_decref(v);
	}
	/* A string with a NUL inside, and the members in insertion order. */
	{
		json_t *o = json_object();

		json_object_set_new(o, "z", json_stringn("a\0b", 3));
		json_object_set_new(o, "a", json_integer(-1));
		buf_init(&b, 0);
		assert_int_equal(json_write(&b, o, 0), 0);
		assert_int_equal(b.n, strlen("{\"z\":\"a\\u0000b\",\"a\":-1}"));
		assert_memory_equal(b.p, "{\"z\":\"a\\u0000b\",\"a\":-1}", b.n);
		buf_free(&b);
		/* The cap is kept: nothing past it. */
		buf_init(&b, 8);
		assert_int_equal(json_write(&b, o, 0), ANJU_ETOOBIG);
		buf_free(&b);
		json_decref(o);
	}
	/* Strings of every length to 40 from bytes that need escaping and
	 * bytes that do not, in every position of the eight-byte scan: the
	 * same bytes as jansson's.  A fixed seed, so a failure repeats. */
	{
		static const char *const pieces[] = { "a",    "Z", "\"", "\\", "\x01", "\x1f", " ",
						      "\x7f", "é", "南", "𝄞",  "/",    "\n" };
		unsigned seed = 12345;

		for (int k = 0; k < 3000; k++) {
			char text[41 * 4 + 1] = "";
			size_t len = 0, want_n = (seed = seed * 1103515245u + 12345u) >> 16 & 31;
			json_t *v;
			char *want;

			while (len < want_n) {
				const char *p =
					pieces[((seed = seed * 1103515245u + 12345u) >> 16) %
					       (sizeof(pieces) / sizeof(pieces[0]))];

				memcpy(text + len, p, strlen(p) + 1);
				len += strlen(p);
			}
			v = json_string(text);
			assert_non_null(v);
			want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			buf_init(&b, 0);
			assert_int_equal(json_write(&b, v, 0), 0);
			assert_string_equal(b.p, want);
			buf_free(&b);
			free(want);
			json_decref(v);
		}
	}
	/* Escapes that grow the buffer past its first allocation, between
	 * runs of plain text; and caps that fall inside an escape. */
	{
		char text[700];
		json_t *v;
		char *want;

		for (size_t i = 0; i < sizeof(text) - 1; i++)
			text[i] = i % 7 == 0 ? '\x01' : i % 5 == 0 ? '"' : (char)('a' + i % 26);
		text[sizeof(text) - 1] = '\0';
		v = json_string(text);
		want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_init(&b, 0);
		assert_int_equal(json_write(&b, v, 0), 0);
		assert_string_equal(b.p, want);
		buf_free(&b);
		for (size_t cap = 1; cap < strlen(want); cap += 97) {
			buf_init(&b, cap);
			assert_int_equal(json_write(&b, v, 0), ANJU_ETOOBIG);
			assert_true(b.n <= cap);
			buf_free(&b);
		}
		free(want);
		json_decref(v);
	}
}

static void
test_json_depth(void **state)
{
	struct anju_err e;
	json_t *j;

	(void)state;
	/* {"a":[[...]]}: 33 levels is one over the limit, refused before jansson
	 * recurses; 32 levels pass. */
	for (int levels = 32; levels <= 33; levels++) {
		struct buf b;

		buf_init(&b, 0);
		buf_adds(&b, "{\"a\":");
		for (int i = 1; i < levels; i++)
			buf_addc(&b, '[');
		for (int i = 1; i < levels; i++)
			buf_addc(&b, ']');
		buf_addc(&b, '}');
		j = json_parse_body(b.p, b.n, JSON_MAX_DEPTH, &e);
		if (levels == 32) {
			assert_non_null(j);
			json_decref(j);
		} else {
			assert_null(j);
			assert_string_equal(e.key, "invalid_json");
			assert_non_null(strstr(e.msg, "嵌套"));
		}
		buf_free(&b);
	}
	/* Brackets inside strings do not count. */
	{
		const char *s = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}";

		j = json_parse_body(s, strlen(s), 4, &e);
	}
	assert_non_null(j);
	json_decref(j);
	j = json_parse_body("{\"a\":{\"b\":{\"c\":{}}}}", 20, 4, &e);
	assert_non_null(j);
	json_decref(j);
	j = json_parse_body("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 26, 4, &e);
	assert_null(j);
}

/* The writer puts commas where a value follows another, at every depth, and
 * writes what json_write would; an error stops it and stays. */
static void
jw_members(struct jw *w, void *arg)
{
	jw_member_string(w, "name", (const char *)arg);
	jw_member_integer(w, "n", -42);
}

static void
test_json_writer(void **state)
{
	struct buf b;
	struct jw w;
	json_t *v = json_pack("{s:[i,s]}", "k", 1, "x\"y");
	json_t *tree;
	char *want;

	(void)state;
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_object(&w);
	jw_member_string(&w, "a", "南苑\n");
	jw_key(&w, "list");
	jw_array(&w);
	jw_integer(&w, 1);
	jw_string(&w, NULL);
	jw_array(&w);
	jw_array_end(&w);
	jw_object(&w);
	jw_object_end(&w);
	jw_value(&w, v);
	jw_raw(&w, "{\"r\":true}", 10);
	jw_array_end(&w);
	jw_key(&w, "empty");
	jw_object(&w);
	jw_object_end(&w);
	jw_member_integer(&w, "max", INT64_MAX);
	jw_key(&w, "nothing");
	jw_null(&w);
	jw_key(&w, "flags");
	jw_array(&w);
	jw_bool(&w, true);
	jw_bool(&w, false);
	jw_array_end(&w);
	jw_object_end(&w);
	assert_int_equal(w.rc, 0);
	assert_string_equal(b.p, "{\"a\":\"南苑\\n\",\"list\":[1,null,[],{},{\"k\":[1,\"x\\\"y\"]},"
				 "{\"r\":true}],\"empty\":{},\"max\":9223372036854775807,"
				 "\"nothing\":null,\"flags\":[true,false]}");
	/* The same bytes as jansson's for the same value. */
	tree = json_loadb(b.p, b.n, 0, NULL);
	assert_non_null(tree);
	want = json_dumps(tree, JSON_COMPACT);
	assert_string_equal(b.p, want);
	free(want);
	json_decref(tree);
	buf_free(&b);
	/* A cap: the first error stays, and nothing goes past the cap. */
	buf_init(&b, 12);
	jw_init(&w, &b);
	jw_array(&w);
	for (int i = 0; i < 20; i++)
		jw_string(&w, "abc");
	jw_array_end(&w);
	assert_int_equal(w.rc, ANJU_ETOOBIG);
	assert_true(b.n <= 12);
	buf_free(&b);
	/* A writer's object as a tree. */
	tree = jw_object_tree(jw_members, "肖桥");
	assert_non_null(tree);
	assert_string_equal(json_string_value(json_object_get(tree, "name")), "肖桥");
	assert_int_equal(json_integer_value(json_object_get(tree, "n")), -42);
	json_decref(tree);
	json_decref(v);
}

static void
test_query(void **state)
{
	static const char *const states[] = { "a", "b", NULL };
	static const struct field q[] = {
		{ "limit", F_INT, false, 1, 200 },
		{ "state", F_ENUM, false, .enums = states },
		{ "must", F_STRING, true, 1, 3 },
		{ NULL },
	};
	struct kv ok[] = { { "limit", "20" }, { "state", "b" }, { "must", "x" } };
	struct kv dup[] = { { "must", "x" }, { "must", "y" } };
	struct kv unknown[] = { { "must", "x" }, { "page", "1" } };
	struct kv bad_int[] = { { "must", "x" }, { "limit", "2x" } };
	struct kv range[] = { { "must", "x" }, { "limit", "201" } };
	struct kv missing[] = { { "limit", "1" } };
	struct anju_err e;

	(void)state;
	assert_int_equal(query_validate(q, ok, 3, &e), 0);
	assert_int_equal(query_validate(q, dup, 2, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "duplicate_parameter");
	assert_int_equal(query_validate(q, unknown, 2, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "unknown_parameter");
	assert_int_equal(query_validate(q, bad_int, 2, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "invalid_type");
	assert_int_equal(query_validate(q, range, 2, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "out_of_range");
	assert_int_equal(query_validate(q, missing, 1, &e), ANJU_EINVAL);
	assert_string_equal(e.key, "missing_parameter");
	assert_int_equal(query_validate(NULL, NULL, 0, &e), 0);
	assert_int_equal(query_validate(NULL, ok, 1, &e), ANJU_EINVAL);
}

/* The reference for the route index: a plain path's segments against a
 * route's, a {param} matching any non-empty segment. */
static bool
ref_path_matches(const char *route, const char *path)
{
	while (*route != '\0' && *path != '\0') {
		size_t rn = strcspn(route, "/"), pn = strcspn(path, "/");

		if (route[0] == '{') {
			if (pn == 0)
				return false;
		} else if (rn != pn || memcmp(route, path, rn) != 0) {
			return false;
		}
		route += rn;
		path += pn;
		if ((*route == '/') != (*path == '/'))
			return false;
		if (*route == '/')
			route++, path++;
	}
	return *route == '\0' && *path == '\0';
}

/* Every route tried in order, as router_match answered before its index:
 * the first route of the method (HEAD as GET) whose path matches, else 405
 * when another method's does, else 404. */
static int
ref_match(const char *method, const char *path, const struct route **out)
{
	bool other = false;

	for (const struct api_module *const *m = api_modules; *m; m++) {
		for (const struct route *rt = (*m)->routes; rt->path; rt++) {
			if (!ref_path_matches(rt->path, path))
				continue;
			if (strcmp(rt->method, method) == 0 ||
			    (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
				*out = rt;
				return 0;
			}
			other = true;
		}
	}
	return other ? ANJU_EUNPROCESSABLE : ANJU_ENOTFOUND;
}

/* The route index answers as trying every route in order would: for each
 * route's path with its parameters filled, and that path one segment longer
 * and shorter, under every method. */
static void
test_routing_index(void **state)
{
	static const char *const methods[] = { "GET",   "HEAD",   "POST",   "PUT",
					       "PATCH", "DELETE", "OPTIONS" };
	struct arena *a = arena_new();
	int checked = 0;

	(void)state;
	for (const struct api_module *const *m = api_modules; *m; m++) {
		for (const struct route *rt = (*m)->routes; rt->path; rt++) {
			char paths[3][520];
			size_t j = 0;
			char *slash;

			/* The route's path with every {param} as "7". */
			for (const char *p = rt->path; *p && j < 500; p++) {
				if (*p == '{') {
					paths[0][j++] = '7';
					p = strchr(p, '}');
					assert_non_null(p);
				} else {
					paths[0][j++] = *p;
				}
			}
			paths[0][j] = '\0';
			memcpy(paths[1], paths[0], j);
			memcpy(paths[1] + j, "/7", 3);
			memcpy(paths[2], paths[0], j + 1);
			if ((slash = strrchr(paths[2], '/')) != NULL)
				*slash = '\0';
			for (int k = 0; k < 3; k++) {
				for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
					const struct route *want = NULL, *got = NULL;
					const char *params[REQ_MAX_PARAMS];
					int np = 0, wrc = ref_match(methods[i], paths[k], &want);
					int grc = router_match(methods[i], paths[k], a, &got,
							       params, &np);

					if (grc != wrc || (wrc == 0 && got != want))
						fail_msg("%s %s: index %d %s, in order %d %s",
							 methods[i], paths[k], grc,
							 got ? got->path : "-", wrc,
							 want ? want->path : "-");
					checked++;
				}
			}
		}
	}
	assert_true(checked > 1000);
	arena_free(a);
}

static void
test_routing(void **state)
{
	struct arena *a = arena_new();
	const struct route *rt = NULL;
	const char *params[REQ_MAX_PARAMS];
	int np = 0;

	(void)state;
	assert_int_equal(router_match("GET", "/api/v1/health", a, &rt, params, &np), 0);
	assert_string_equal(rt->path, "/api/v1/health");
	assert_int_equal(np, 0);
	assert_int_equal(router_match("HEAD", "/api/v1/health", a, &rt, params, &np), 0);
	assert_int_equal(router_match("GET", "/api/v1/jobs/42", a, &rt, params, &np), 0);
	assert_string_equal(rt->path, "/api/v1/jobs/{id}");
	assert_int_equal(np, 1);
	assert_string_equal(params[0], "42");
	assert_int_equal(router_match("POST", "/api/v1/jobs/7/cancel", a, &rt, params, &np), 0);
	assert_string_equal(params[0], "7");
	assert_int_equal(router_match("GET", "/api/v1/jobs/a%20b", a, &rt, params, &np), 0);
	assert_string_equal(params[0], "a b");
	assert_int_equal(router_match("DELETE", "/api/v1/jobs/1", a, &rt, params, &np),
			 ANJU_EUNPROCESSABLE);
	assert_int_equal(router_match("GET", "/api/v1/jobs/", a, &rt, params, &np), ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/jobs/1/", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/health/", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1//health", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/jobs/%00", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/jobs/%zz", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	/* A parameter is one segment, whatever the encoding. */
	assert_int_equal(router_match("GET", "/api/v1/jobs/..%2F..%2Fx", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/jobs/%2e%2e", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "/api/v1/jobs/a%5cb", a, &rt, params, &np),
			 ANJU_ENOTFOUND);
	assert_int_equal(router_match("GET", "", a, &rt, params, &np), ANJU_ENOTFOUND);
	arena_free(a);
}

static void
test_url_decode(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(url_decode(a, "a%2Fb%2fc", 9, false), "a/b/c");
	assert_string_equal(url_decode(a, "a+b", 3, false), "a+b");
	assert_string_equal(url_decode(a, "a+b", 3, true), "a b");
	assert_string_equal(url_decode(a, "%E5%AE%89", 9, false), "安");
	assert_null(url_decode(a, "%", 1, false));
	assert_null(url_decode(a, "%4", 2, false));
	assert_null(url_decode(a, "%g0", 3, false));
	assert_null(url_decode(a, "a%00", 4, false));
	assert_string_equal(url_decode(a, "", 0, false), "");
	arena_free(a);
}

static void
test_error_text_is_utf8(void **state)
{
	/* Found by fuzz_json: jansson quotes the input after "near", here half of 租. */
	static const char body[] = "{\"a\":\"\\ud\xe7\xa7\x9f\"}";
	struct anju_err e;
	struct req r;

	(void)state;
	assert_null(json_parse_body(body, sizeof(body) - 1, JSON_MAX_DEPTH, &e));
	assert_null(strstr(e.msg, "near"));
	memset(&r, 0, sizeof(r));
	reply_error(&r, &e);
	assert_non_null(json_object_get(r.out, "error"));
	json_decref(r.out);
	/* Even a message that is not UTF-8 keeps the envelope. */
	anju_fail(&e, ANJU_EINVAL, "bad", "f\xff", "m\xff");
	memset(&r, 0, sizeof(r));
	reply_error(&r, &e);
	assert_int_equal(r.status, 400);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r.out, "error"), "code")),
		"invalid");
	json_decref(r.out);
}

static void
test_sensitive_query_never_logged(void **state)
{
	static const struct route plain = { "GET", "/api/v1/jobs", ACCESS_CALLER };
	static const struct route search = { "GET", "/api/v1/persons", ACCESS_CALLER,
					     .flags = ROUTE_SENSITIVE_QUERY };
	struct req r;
	struct buf b;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.query[0] = (struct kv){ "id_number", "11010519491231002X" };
	r.nquery = 1;
	buf_init(&b, 0);
	r.route = &plain;
	assert_int_equal(http_loggable_query(&r, &b), 1);
	assert_string_equal(b.p, "id_number=11010519491231002X");
	buf_reset(&b);
	r.route = &search;
	assert_int_equal(http_loggable_query(&r, &b), 0);
	assert_int_equal(b.n, 0);
	r.route = NULL; /* unmatched paths are not trusted either */
	assert_int_equal(http_loggable_query(&r, &b), 0);
	buf_free(&b);
}

static void
test_status_table(void **state)
{
	(void)state;
	assert_int_equal(http_status_for(ANJU_EINVAL), 400);
	assert_int_equal(http_status_for(ANJU_EUNAUTH), 401);
	assert_int_equal(http_status_for(ANJU_EFORBIDDEN), 403);
	assert_int_equal(http_status_for(ANJU_ENOTFOUND), 404);
	assert_int_equal(http_status_for(ANJU_ECONFLICT), 409);
	assert_int_equal(http_status_for(ANJU_ETOOBIG), 413);
	assert_int_equal(http_status_for(ANJU_EUNPROCESSABLE), 422);
	assert_int_equal(http_status_for(ANJU_ELIMIT), 429);
	assert_int_equal(http_status_for(ANJU_EBUSY), 503);
	assert_int_equal(http_status_for(ANJU_EDB), 500);
	assert_int_equal(http_status_for(12345), 500);
}

static void
test_error_envelope(void **state)
{
	struct req r;
	struct anju_err e;
	json_t *err;

	(void)state;
	memset(&r, 0, sizeof(r));
	anju_fail(&e, ANJU_ECONFLICT, "lease_overlaps", "unit_id", "该房屋在此期间已有有效合同");
	reply_error(&r, &e);
	assert_int_equal(r.status, 409);
	err = json_object_get(r.out, "error");
	assert_string_equal(json_string_value(json_object_get(err, "code")), "lease_overlaps");
	assert_string_equal(json_string_value(json_object_get(err, "field")), "unit_id");
	assert_string_equal(json_string_value(json_object_get(err, "message")),
			    "该房屋在此期间已有有效合同");
	/* Internal details never reach the caller. */
	anju_fail(&e, ANJU_EDB, NULL, NULL, "database: disk I/O error at /secret/path");
	reply_error(&r, &e);
	assert_int_equal(r.status, 500);
	err = json_object_get(r.out, "error");
	assert_null(strstr(json_string_value(json_object_get(err, "message")), "/secret"));
	assert_null(json_object_get(err, "field"));
	json_decref(r.out);
}

static void
test_openapi(void **state)
{
	json_error_t jerr;
	json_t *doc = json_loads(openapi_document(), 0, &jerr), *paths;
	int routes = 0;

	(void)state;
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	paths = json_object_get(doc, "paths");
	for (const struct api_module *const *m = api_modules; *m; m++) {
		for (const struct route *rt = (*m)->routes; rt->path; rt++) {
			char method[8];
			json_t *op;
			size_t i;

			for (i = 0; rt->method[i] && i < sizeof(method) - 1; i++)
				method[i] = (char)(rt->method[i] | 0x20);
			method[i] = '\0';
			op = json_object_get(json_object_get(paths, rt->path), method);
			if (op == NULL)
				fail_msg("%s %s is not in the OpenAPI document", rt->method,
					 rt->path);
			assert_non_null(
				json_object_get(json_object_get(op, "responses"), "default"));
			if (rt->body)
				assert_non_null(json_object_get(op, "requestBody"));
			routes++;
		}
	}
	assert_true(routes >= 6);
	assert_non_null(json_object_get(
		json_object_get(json_object_get(doc, "components"), "schemas"), "Error"));
	json_decref(doc);
	/* Built once: the same text every time. */
	assert_ptr_equal(openapi_document(), openapi_document());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_bodies),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_write),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_routing_index),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_error_text_is_utf8),
		cmocka_unit_test(test_sensitive_query_never_logged),
		cmocka_unit_test(test_error_envelope),
		cmocka_unit_test(test_openapi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
