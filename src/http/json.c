/*
 * JSON request bodies: parsing with limits, and validation against a route's
 * field list.  jansson rejects invalid UTF-8 and, with
 * JSON_REJECT_DUPLICATES, duplicate keys; nesting is measured before parsing
 * so a deep document costs no recursion.
 */
#include <string.h>

#include "core/date.h"
#include "http/http.h"

/* Depth of [ and { outside strings; stops counting once over max. */
static int
json_depth(const char *p, size_t n, int max)
{
	int depth = 0, deepest = 0;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
			if (deepest > max)
				return deepest;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return deepest;
}

json_t *
json_parse_body(const char *p, size_t n, int max_depth, struct anju_err *e)
{
	json_error_t jerr;
	json_t *j;

	if (n == 0) {
		anju_fail(e, ANJU_EINVAL, "invalid_json", NULL, "请求内容为空，需要 JSON 对象");
		return NULL;
	}
	if (json_depth(p, n, max_depth) > max_depth) {
		anju_fail(e, ANJU_EINVAL, "invalid_json", NULL, "JSON 嵌套超过 %d 层", max_depth);
		return NULL;
	}
	j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		/* jansson quotes the input after " near "; the input may be anything, so
		 * only its own words are kept. */
		char *near = strstr(jerr.text, " near ");

		if (near != NULL)
			*near = '\0';
		anju_fail(e, ANJU_EINVAL, "invalid_json", NULL,
			  "JSON 格式错误（第 %d 行第 %d 列）：%s", jerr.line, jerr.column,
			  jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		anju_fail(e, ANJU_EINVAL, "invalid_json", NULL, "请求内容必须是 JSON 对象");
		return NULL;
	}
	return j;
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static bool
has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static int check_value(const struct field *f, json_t *v, const char *path, struct anju_err *e);

static int
check_object(const struct field *fields, json_t *obj, const char *prefix, struct anju_err *e)
{
	const char *key;
	json_t *v;
	char path[160];

	json_object_foreach (obj, key, v) {
		const struct field *f;

		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", key);
		if (f->name == NULL)
			return anju_fail(e, ANJU_EINVAL, "unknown_field", path, "不认识的字段：%s",
					 path);
		if (json_is_null(v) && !f->required)
			continue;
		if (check_value(f, v, path, e) != 0)
			return ANJU_EINVAL;
	}
	for (const struct field *f = fields; f->name != NULL; f++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
		if (f->required && json_object_get(obj, f->name) == NULL)
			return anju_fail(e, ANJU_EINVAL, "missing_field", path, "缺少必填字段：%s",
					 path);
	}
	return 0;
}

static int
check_value(const struct field *f, json_t *v, const char *path, struct anju_err *e)
{
	const char *s;
	size_t n;
	int64_t i;

	switch (f->type) {
	case F_STRING:
	case F_ENUM:
	case F_DATE:
	case F_PERIOD:
		if (!json_is_string(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", path, "%s 应为字符串",
					 path);
		s = json_string_value(v);
		n = json_string_length(v);
		if (memchr(s, '\0', n) != NULL || has_control(s, n))
			return anju_fail(e, ANJU_EINVAL, "invalid_value", path, "%s 含有控制字符",
					 path);
		if (f->type == F_STRING) {
			size_t chars = utf8_chars(s, n);

			if ((int64_t)chars < f->min || (f->max > 0 && (int64_t)chars > f->max))
				return anju_fail(e, ANJU_EINVAL, "invalid_length", path,
						 "%s 长度应在 %lld 到 %lld 个字符之间", path,
						 (long long)f->min, (long long)f->max);
		} else if (f->type == F_ENUM) {
			const char *const *x;

			for (x = f->enums; *x != NULL; x++)
				if (strcmp(*x, s) == 0)
					break;
			if (*x == NULL)
				return anju_fail(e, ANJU_EINVAL, "invalid_value", path,
						 "%s 的取值不在允许范围内", path);
		} else if (f->type == F_DATE) {
			struct date d;

			if (date_parse((struct str){ s, n }, &d) != 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_date", path,
						 "%s 应为有效日期 YYYY-MM-DD", path);
		} else {
			struct period p;

			if (period_parse((struct str){ s, n }, &p) != 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_period", path,
						 "%s 应为年月 YYYY-MM", path);
		}
		return 0;
	case F_INT:
		if (!json_is_integer(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", path, "%s 应为整数", path);
		i = json_integer_value(v);
		if (i < f->min || i > f->max)
			return anju_fail(e, ANJU_EINVAL, "out_of_range", path,
					 "%s 应在 %lld 到 %lld 之间", path, (long long)f->min,
					 (long long)f->max);
		return 0;
	case F_BOOL:
		if (!json_is_boolean(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", path,
					 "%s 应为 true 或 false", path);
		return 0;
	case F_OBJECT:
		if (!json_is_object(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", path, "%s 应为对象", path);
		/* Without a field list the object is free-form: its owner checks it. */
		return f->fields ? check_object(f->fields, v, path, e) : 0;
	case F_ARRAY: {
		size_t k;
		json_t *item;
		char ipath[160];

		if (!json_is_array(v))
			return anju_fail(e, ANJU_EINVAL, "invalid_type", path, "%s 应为数组", path);
		if ((int64_t)json_array_size(v) < f->min ||
		    (f->max > 0 && (int64_t)json_array_size(v) > f->max))
			return anju_fail(e, ANJU_EINVAL, "invalid_length", path,
					 "%s 的元素个数应在 %lld 到 %lld 之间", path,
					 (long long)f->min, (long long)f->max);
		json_array_foreach (v, k, item) {
			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, k);
			if (check_value(f->items, item, ipath, e) != 0)
				return ANJU_EINVAL;
		}
		return 0;
	}
	}
	return anju_fail(e, ANJU_EINTERNAL, NULL, path, "unknown field type");
}

int
fields_validate(const struct field *fields, json_t *obj, struct anju_err *e)
{
	return check_object(fields, obj, "", e);
}

int
query_validate(const struct field *fields, const struct kv *q, int n, struct anju_err *e)
{
	for (int i = 0; i < n; i++) {
		const struct field *f = NULL;
		json_t *v;
		int rc;

		for (const struct field *g = fields; g != NULL && g->name != NULL; g++)
			if (strcmp(g->name, q[i].name) == 0)
				f = g;
		if (f == NULL)
			return anju_fail(e, ANJU_EINVAL, "unknown_parameter", q[i].name,
					 "不认识的查询参数：%s", q[i].name);
		for (int j = 0; j < i; j++)
			if (strcmp(q[j].name, q[i].name) == 0)
				return anju_fail(e, ANJU_EINVAL, "duplicate_parameter", q[i].name,
						 "查询参数重复：%s", q[i].name);
		if (f->type == F_INT) {
			int64_t x;

			if (str_to_int64(str_c(q[i].value), INT64_MIN, INT64_MAX, &x) != 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_type", f->name,
						 "%s 应为整数", f->name);
			v = json_integer(x);
		} else if (f->type == F_BOOL) {
			if (strcmp(q[i].value, "true") != 0 && strcmp(q[i].value, "false") != 0)
				return anju_fail(e, ANJU_EINVAL, "invalid_type", f->name,
						 "%s 应为 true 或 false", f->name);
			v = json_boolean(strcmp(q[i].value, "true") == 0);
		} else {
			v = json_string(q[i].value);
			if (v == NULL)
				return anju_fail(e, ANJU_EINVAL, "invalid_utf8", f->name,
						 "%s 不是有效的 UTF-8", f->name);
		}
		rc = check_value(f, v, f->name, e);
		json_decref(v);
		if (rc != 0)
			return rc;
	}
	for (const struct field *g = fields; g != NULL && g->name != NULL; g++) {
		bool present = false;

		for (int i = 0; i < n; i++)
			present |= strcmp(g->name, q[i].name) == 0;
		if (g->required && !present)
			return anju_fail(e, ANJU_EINVAL, "missing_parameter", g->name,
					 "缺少查询参数：%s", g->name);
	}
	return 0;
}
