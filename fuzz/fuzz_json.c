/*
 * libFuzzer target for JSON request bodies: json_parse_body() on any bytes,
 * then fields_validate() of what parses against a nested field list that
 * uses every field type (strings with character limits, integers at the
 * int64 edges, enums, dates, periods, objects, arrays of objects, arrays of
 * arrays, and a self-nesting object that reaches the depth limit).
 *
 * Besides the sanitizers, it checks the contracts of http.h: a parse returns
 * an object or NULL with a 400 error; validation returns 0 or ANJU_EINVAL
 * with a key; and every error becomes a JSON error envelope through
 * reply_error(), as the client would receive it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = { "rent", "deposit", "utility", "租金", NULL };

#define END                                                                                        \
	{                                                                                          \
		.name = NULL                                                                       \
	}

static const struct field address_fields[] = {
	{ .name = "city", .type = F_STRING, .required = true, .min = 1, .max = 20 },
	{ .name = "street", .type = F_STRING, .max = 200 },
	{ .name = "zip", .type = F_STRING, .min = 6, .max = 6 },
	END,
};

static const struct field line_fields[] = {
	{ .name = "kind", .type = F_ENUM, .required = true, .enums = kinds },
	{ .name = "amount", .type = F_INT, .required = true, .min = 0, .max = 100000000 },
	{ .name = "period", .type = F_PERIOD },
	{ .name = "due", .type = F_DATE },
	{ .name = "paid", .type = F_BOOL },
	END,
};

static const struct field line_item = { .name = "line", .type = F_OBJECT, .fields = line_fields };
static const struct field tag_item = { .name = "tag", .type = F_STRING, .min = 1, .max = 8 };
static const struct field cell_item = {
	.name = "cell", .type = F_INT, .min = INT64_MIN, .max = INT64_MAX
};
static const struct field row_item = {
	.name = "row", .type = F_ARRAY, .max = 4, .items = &cell_item
};
static const struct field date_item = { .name = "date", .type = F_DATE };

/* An object that may hold itself: validation follows the parse to its depth. */
static const struct field node_fields[4];
static const struct field node_item = { .name = "node", .type = F_OBJECT, .fields = node_fields };
static const struct field node_fields[4] = {
	{ .name = "name", .type = F_STRING, .max = 16 },
	{ .name = "child", .type = F_OBJECT, .fields = node_fields },
	{ .name = "children", .type = F_ARRAY, .items = &node_item }, /* max 0: no limit */
	END,
};

static const struct field body_fields[] = {
	{ .name = "name", .type = F_STRING, .required = true, .min = 1, .max = 100 },
	{ .name = "note", .type = F_STRING }, /* max 0: no limit */
	{ .name = "count", .type = F_INT, .min = INT64_MIN, .max = INT64_MAX },
	{ .name = "floor", .type = F_INT, .min = -5, .max = 99 },
	{ .name = "active", .type = F_BOOL },
	{ .name = "kind", .type = F_ENUM, .enums = kinds },
	{ .name = "start", .type = F_DATE, .required = true },
	{ .name = "period", .type = F_PERIOD },
	{ .name = "address", .type = F_OBJECT, .fields = address_fields },
	{ .name = "lines", .type = F_ARRAY, .min = 1, .max = 50, .items = &line_item },
	{ .name = "tags", .type = F_ARRAY, .items = &tag_item },
	{ .name = "matrix", .type = F_ARRAY, .max = 8, .items = &row_item },
	{ .name = "holidays", .type = F_ARRAY, .max = 366, .items = &date_item },
	{ .name = "tree", .type = F_OBJECT, .fields = node_fields },
	END,
};

static const struct field empty_fields[] = { END };

/* A broken contract: says which, then stops the run as a crash. */
static void __attribute__((noreturn, format(printf, 1, 2))) broken(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_json: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* An error must be reportable: a key, terminated strings, and an envelope
 * that reply_error() can build (a 400 with {"error": {...}} as its body). */
static void
check_err(const struct anju_err *e)
{
	struct req r;

	if (e->code != ANJU_EINVAL || e->key[0] == '\0' ||
	    memchr(e->field, '\0', sizeof(e->field)) == NULL ||
	    memchr(e->msg, '\0', sizeof(e->msg)) == NULL)
		broken("malformed error (code %d)", e->code);
	memset(&r, 0, sizeof(r));
	reply_error(&r, e);
	if (r.status != 400 || !json_is_object(json_object_get(r.out, "error")))
		broken("reply_error() built no envelope (status %d) for key \"%s\" field \"%s\" "
		       "message \"%s\" (invalid UTF-8?)",
		       r.status, e->key, e->field, e->msg);
	json_decref(r.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anju_err e;
	json_t *j;
	int rc;

	anju_err_clear(&e);
	j = json_parse_body((const char *)data, size, JSON_MAX_DEPTH, &e);
	if (j == NULL) {
		check_err(&e);
		return 0;
	}
	if (!json_is_object(j))
		broken("json_parse_body() returned a non-object");
	anju_err_clear(&e);
	rc = fields_validate(body_fields, j, &e);
	if (rc != 0) {
		if (rc != ANJU_EINVAL)
			broken("fields_validate() returned %d", rc);
		check_err(&e);
	}
	/* The route without a body schema: anything but {} is an unknown field. */
	anju_err_clear(&e);
	rc = fields_validate(empty_fields, j, &e);
	if ((rc == 0) != (json_object_size(j) == 0))
		broken("an empty field list gave %d for %zu members", rc, json_object_size(j));
	if (rc != 0)
		check_err(&e);
	json_decref(j);
	return 0;
}
