/*
 * JSON out: json_write (jsonw.h).  The escaping, number forms and member
 * order are jansson's, so that a value written here and one written by
 * json_dumps are the same bytes (tests/unit/test_http.c holds them to it).
 */
#include "core/jsonw.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

/* The bytes a JSON string may hold as they are: not '"', '\\' or a control
 * character below 0x20.  UTF-8 passes through (jansson without
 * JSON_ENSURE_ASCII writes it so). */
static inline int
plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/* Whether any of the eight bytes of v is not plain: a byte below 0x20, '"'
 * or '\\' (the "has a byte less than n" and "has a zero byte" word tests;
 * bytes from 0x80 never match, and a match is never missed). */
static inline bool
word_has_escape(uint64_t v)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t quote = v ^ (ones * '"'), slash = v ^ (ones * '\\');

	return (((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash)) &
	       highs;
}

static int
write_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;
	int rc;

	/* Room for the quotes and the text once; only escapes grow it. */
	if ((rc = buf_reserve(b, n + 2)) != 0)
		return rc;
	b->p[b->n++] = '"';
	for (;;) {
		char esc[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t len = 2;

		/* Eight bytes at a time while none needs escaping, then bytewise. */
		for (run = i; i + 8 <= n; i += 8) {
			uint64_t v;

			memcpy(&v, u + i, sizeof(v));
			if (word_has_escape(v))
				break;
		}
		while (i < n && plain(u[i]))
			i++;
		if (i > run) {
			memcpy(b->p + b->n, s + run, i - run);
			b->n += i - run;
		}
		if (i == n)
			break;
		switch (u[i]) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[u[i] >> 4];
			esc[5] = hex[u[i] & 0xf];
			len = 6;
		}
		i++;
		/* The escape, the rest of the text and the closing quote. */
		if ((rc = buf_reserve(b, len + (n - i) + 1)) != 0)
			return rc;
		memcpy(b->p + b->n, esc, len);
		b->n += len;
	}
	b->p[b->n++] = '"';
	b->p[b->n] = '\0';
	return 0;
}

static int
write_integer(struct buf *b, json_int_t v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

/* As jansson: 17 significant digits, ".0" when that reads as an integer,
 * and an exponent without '+' or leading zeros (1e300, 2.5e-7). */
static int
write_real(struct buf *b, double d)
{
	char text[32], *exp, *digits, *from;
	int n = snprintf(text, sizeof(text), "%.17g", d);

	if (n < 0 || (size_t)n >= sizeof(text) - 2)
		return ANJU_EINVAL;
	if ((exp = strchr(text, 'e')) == NULL) {
		if (strchr(text, '.') == NULL) {
			memcpy(text + n, ".0", 3);
			n += 2;
		}
		return buf_add(b, text, (size_t)n);
	}
	digits = exp + 1;
	if (*digits == '-')
		digits++;
	from = digits;
	while (*from == '+' || (*from == '0' && from[1] != '\0'))
		from++;
	if (exp[1] == '+')
		digits = exp + 1;
	memmove(digits, from, strlen(from) + 1);
	return buf_add(b, text, strlen(text));
}

static int
write_member(struct buf *b, const char *key, const json_t *item, size_t nth, int flags)
{
	int rc = nth > 0 ? buf_addc(b, ',') : 0;

	if (rc == 0)
		rc = write_string(b, key, strlen(key));
	if (rc == 0)
		rc = buf_addc(b, ':');
	return rc == 0 ? json_write(b, item, flags) : rc;
}

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
write_object(struct buf *b, const json_t *v, int flags)
{
	const char *key, *few[32], **keys = few;
	size_t n = json_object_size(v), i = 0;
	json_t *item;
	int rc = buf_addc(b, '{');

	if (!(flags & JSON_SORT_KEYS) || n < 2) {
		json_object_foreach ((json_t *)v, key, item)
			if (rc == 0)
				rc = write_member(b, key, item, i++, flags);
		return rc == 0 ? buf_addc(b, '}') : rc;
	}
	/* As jansson sorts: by strcmp of the keys. */
	if (n > sizeof(few) / sizeof(few[0]))
		keys = xcalloc(n, sizeof(*keys));
	json_object_foreach ((json_t *)v, key, item)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_member(b, keys[i], json_object_get(v, keys[i]), i, flags);
	if (keys != few)
		free(keys);
	return rc == 0 ? buf_addc(b, '}') : rc;
}

int
json_write(struct buf *b, const json_t *v, int flags)
{
	json_t *item;
	size_t i;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT: return write_object(b, v, flags);
	case JSON_ARRAY:
		rc = buf_addc(b, '[');
		json_array_foreach (v, i, item) {
			if (rc == 0 && i > 0)
				rc = buf_addc(b, ',');
			if (rc == 0)
				rc = json_write(b, item, flags);
		}
		return rc == 0 ? buf_addc(b, ']') : rc;
	case JSON_STRING: return write_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return write_integer(b, json_integer_value(v));
	case JSON_REAL: return write_real(b, json_real_value(v));
	case JSON_TRUE: return buf_add(b, "true", 4);
	case JSON_FALSE: return buf_add(b, "false", 5);
	case JSON_NULL:
	default: return buf_add(b, "null", 4);
	}
}

void
jw_init(struct jw *w, struct buf *b)
{
	w->b = b;
	w->rc = 0;
	w->more = false;
}

/* The comma before a value or member, when one came before it. */
static bool
jw_next(struct jw *w)
{
	if (w->rc == 0 && w->more)
		w->rc = buf_addc(w->b, ',');
	return w->rc == 0;
}

static void
jw_open(struct jw *w, char c)
{
	if (jw_next(w))
		w->rc = buf_addc(w->b, c);
	w->more = false;
}

static void
jw_close(struct jw *w, char c)
{
	if (w->rc == 0)
		w->rc = buf_addc(w->b, c);
	w->more = true;
}

void
jw_object(struct jw *w)
{
	jw_open(w, '{');
}

void
jw_object_end(struct jw *w)
{
	jw_close(w, '}');
}

void
jw_array(struct jw *w)
{
	jw_open(w, '[');
}

void
jw_array_end(struct jw *w)
{
	jw_close(w, ']');
}

void
jw_key(struct jw *w, const char *key)
{
	if (jw_next(w) && (w->rc = write_string(w->b, key, strlen(key))) == 0)
		w->rc = buf_addc(w->b, ':');
	w->more = false;
}

void
jw_string(struct jw *w, const char *s)
{
	if (jw_next(w))
		w->rc = s != NULL ? write_string(w->b, s, strlen(s)) : buf_add(w->b, "null", 4);
	w->more = true;
}

void
jw_integer(struct jw *w, int64_t v)
{
	if (jw_next(w))
		w->rc = write_integer(w->b, (json_int_t)v);
	w->more = true;
}

void
jw_bool(struct jw *w, bool v)
{
	if (jw_next(w))
		w->rc = v ? buf_add(w->b, "true", 4) : buf_add(w->b, "false", 5);
	w->more = true;
}

void
jw_null(struct jw *w)
{
	jw_string(w, NULL);
}

void
jw_value(struct jw *w, const json_t *v)
{
	if (jw_next(w))
		w->rc = json_write(w->b, v, 0);
	w->more = true;
}

void
jw_raw(struct jw *w, const char *text, size_t n)
{
	if (jw_next(w))
		w->rc = buf_add(w->b, text, n);
	w->more = true;
}

void
jw_member_string(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void
jw_member_integer(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_integer(w, v);
}

json_t *
jw_object_tree(void (*members)(struct jw *w, void *arg), void *arg)
{
	struct buf b;
	struct jw w;
	json_t *v = NULL;

	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_object(&w);
	members(&w, arg);
	jw_object_end(&w);
	if (w.rc == 0)
		v = json_loadb(b.p, b.n, 0, NULL);
	buf_free(&b);
	return v;
}
