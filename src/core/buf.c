/* Slices, bounded buffers, hex and random bytes.  See buf.h. */
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/err.h"
#include "core/mem.h"

struct str
str_c(const char *s)
{
	return (struct str){ s ? s : "", s ? strlen(s) : 0 };
}

bool
str_eq(struct str a, struct str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool
str_eq_c(struct str a, const char *b)
{
	return str_eq(a, str_c(b));
}

bool
str_starts(struct str s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

struct str
str_trim(struct str s)
{
	while (s.n > 0 && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

bool
str_cut(struct str *s, char sep, struct str *head)
{
	const char *at = s->n ? memchr(s->p, sep, s->n) : NULL;

	if (at == NULL) {
		*head = *s;
		s->p += s->n;
		s->n = 0;
		return false;
	}
	head->p = s->p;
	head->n = (size_t)(at - s->p);
	s->n -= head->n + 1;
	s->p = at + 1;
	return true;
}

int
str_to_int64(struct str s, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (s.n == 0)
		return ANJU_EINVAL;
	if (s.p[0] == '-' || s.p[0] == '+') {
		neg = s.p[0] == '-';
		i = 1;
		if (s.n == 1)
			return ANJU_EINVAL;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < s.n; i++) {
		unsigned d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return ANJU_EINVAL;
		d = (unsigned)(s.p[i] - '0');
		if (v > (limit - d) / 10)
			return ANJU_ERANGE;
		v = v * 10 + d;
	}
	if (neg) {
		int64_t r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;

		if (r < min)
			return ANJU_ERANGE;
		*out = r;
	} else {
		if ((int64_t)v > max)
			return ANJU_ERANGE;
		if ((int64_t)v < min)
			return ANJU_ERANGE;
		*out = (int64_t)v;
	}
	return 0;
}

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->n = 0;
	b->over = false;
	if (b->p)
		b->p[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t want;

	if (b->max == 0)
		b->max = BUF_DEFAULT_MAX;
	if (extra > b->max - b->n) {
		b->over = true;
		return ANJU_ETOOBIG;
	}
	want = b->n + extra + 1;
	if (want > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < want)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) != 0)
		return ANJU_ETOOBIG;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
	/* The usual case without the checks of buf_add: room, under max. */
	if (b->n + 2 > b->cap || b->n >= b->max)
		return buf_add(b, &c, 1);
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
	return 0;
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return ANJU_EINVAL;
	if (buf_reserve(b, (size_t)n) != 0)
		return ANJU_ETOOBIG;
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	b->n += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
buf_take(struct buf *b, size_t *n)
{
	char *p = b->p ? b->p : xstrdup("");

	if (n)
		*n = b->n;
	b->p = NULL;
	b->n = b->cap = 0;
	return p;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
random_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t got = getrandom(c, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("anju: getrandom");
			abort();
		}
		c += got;
		n -= (size_t)got;
	}
}
